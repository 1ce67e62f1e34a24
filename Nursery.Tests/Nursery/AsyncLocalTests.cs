namespace Nursery.Tests.Nursery;

/// <summary>AsyncLocal values flow into children as they were at Spawn/Schedule time, and do not flow back.</summary>
public class AsyncLocalTests
{
    private static readonly AsyncLocal<string?> Local = new();

    [Fact]
    public void Spawn_AndSchedule_ChildrenSeeTheValueAtTheirSpawnTime() => Virtual.Run(async loop =>
    {
        var seen = new Dictionary<string, string?>();
        await using (var tm = new TaskManager(loop))
        {
            Local.Value = "one";
            tm.Spawn(async () => { await EventLoop.Yield(); seen["spawned"] = Local.Value; });
            Local.Value = "two";
            tm.Schedule(async () => seen["scheduled"] = Local.Value, S(1));
            Local.Value = "three";
            tm.Spawn(async ct => seen["spawned with token"] = Local.Value);
            Local.Value = "after";
        }
        Assert.Equal("one", seen["spawned"]);
        Assert.Equal("two", seen["scheduled"]);
        Assert.Equal("three", seen["spawned with token"]);
    });

    [Fact]
    public void Spawn_ChildChangesTheValue_MainAndSiblingsDoNotSeeIt() => Virtual.Run(async loop =>
    {
        Local.Value = "main";
        string? siblingSaw = null;
        await using (var tm = new TaskManager(loop))
        {
            tm.Spawn(async () => { Local.Value = "changed by child"; await EventLoop.Yield(); });
            tm.Spawn(async () => { await EventLoop.Yield(); await EventLoop.Yield(); siblingSaw = Local.Value; });
        }
        Assert.Equal("main", Local.Value);
        Assert.Equal("main", siblingSaw);
    });

    [Fact]
    public void Spawn_SynchronousBodyChangesTheValue_TheChangeStaysInTheChild() => Virtual.Run(async loop =>
    {
        Local.Value = "main";
        string? siblingSaw = null;
        await using (var tm = new TaskManager(loop))
        {
            tm.Spawn(() =>
            {
                Local.Value = "leaked?"; // not an async method: nothing but the loop restores the context after it
                return Task.CompletedTask;
            });
            tm.Spawn(async () => siblingSaw = Local.Value);
        }
        Assert.Equal("main", Local.Value);
        Assert.Equal("main", siblingSaw);
    });

    [Fact]
    public void Spawn_FromAChild_GrandchildSeesTheChildsValueAtThatTime() => Virtual.Run(async loop =>
    {
        string? grandchildSaw = null;
        Local.Value = "main";
        await using (var tm = new TaskManager(loop))
        {
            tm.Spawn(async () =>
            {
                Local.Value = "child";
                tm.Spawn(async () => grandchildSaw = Local.Value);
                Local.Value = "child later";
                await EventLoop.Yield();
            });
        }
        Assert.Equal("child", grandchildSaw);
    });

    [Fact]
    public void RunAsync_BodyAndItsChildren_SeeTheCallersValue() => Virtual.Run(async loop =>
    {
        Local.Value = "caller";
        string? bodySaw = null, childSaw = null;
        await TaskManager.RunAsync(async tm =>
        {
            bodySaw = Local.Value;
            Local.Value = "body";
            tm.Spawn(async () => childSaw = Local.Value);
        });
        Assert.Equal("caller", bodySaw);
        Assert.Equal("body", childSaw);
        Assert.Equal("caller", Local.Value);
    });
}
