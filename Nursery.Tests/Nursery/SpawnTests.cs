namespace Nursery.Tests.Nursery;

/// <summary>Spawn: lazy (never synchronous), FIFO in spawn order, every overload.</summary>
public class SpawnTests
{
    [Fact]
    public void Spawn_Body_DoesNotRunSynchronouslyAndTheChildStartsScheduled() => Virtual.Run(async loop =>
    {
        var ran = false;
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async () => ran = true);

        Assert.False(ran);
        Assert.Equal(ChildTaskStatus.Scheduled, child.Status);
        await loop.RunCurrentAsync();
        Assert.True(ran);
        Assert.Equal(ChildTaskStatus.Completed, child.Status);
    });

    [Trait("Schedule", "Fifo")]
    [Fact]
    public void Spawn_IntoTwoManagersInterleaved_StartsInGlobalSpawnOrder() => Virtual.Run(async loop =>
    {
        var order = new List<string>();
        await using var first = new TaskManager(loop);
        await using var second = new TaskManager(loop);
        first.Spawn(async () => order.Add("first.1"));
        second.Spawn(async () => order.Add("second.1"));
        first.Spawn(async () => order.Add("first.2"));
        second.Spawn(async () => order.Add("second.2"));
        await EventLoop.Yield();
        Assert.Equal(["first.1", "second.1", "first.2", "second.2"], order);
    });

    [Trait("Schedule", "Fifo")]
    [Fact]
    public void Spawn_FromARunningChild_QueuesBehindWorkAlreadyReady() => Virtual.Run(async loop =>
    {
        var order = new List<string>();
        await using (var tm = new TaskManager(loop))
        {
            tm.Spawn(async () =>
            {
                order.Add("a");
                tm.Spawn(async () => order.Add("spawned by a"));
            });
            tm.Spawn(async () => order.Add("b"));
            tm.Spawn(async () => order.Add("c"));
        }
        Assert.Equal(["a", "b", "c", "spawned by a"], order);
    });

    [Fact]
    public void Spawn_Status_IsScheduledThenRunningThenCompleted() => Virtual.Run(async loop =>
    {
        var seen = new List<ChildTaskStatus>();
        await using var tm = new TaskManager(loop);
        ChildTask? child = null;
        child = tm.Spawn(async () =>
        {
            seen.Add(child!.Status);
            await EventLoop.Sleep(S(1));
            seen.Add(child.Status);
        });
        seen.Add(child.Status);
        await tm.DisposeAsync();
        seen.Add(child.Status);
        Assert.Equal([ChildTaskStatus.Scheduled, ChildTaskStatus.Running, ChildTaskStatus.Running, ChildTaskStatus.Completed], seen);
    });

    [Fact]
    public void Spawn_ManyChildren_AllRunWithoutTimeMoving() => Virtual.Run(async loop =>
    {
        var ran = 0;
        await using (var tm = new TaskManager(loop))
        {
            for (var i = 0; i < 1000; i++) tm.Spawn(async () => ran++);
        }
        Assert.Equal(1000, ran);
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });

    [Fact]
    public void Spawn_EveryOverload_RunsItsBodyAndKeepsItsResult() => Virtual.Run(async loop =>
    {
        var tokens = new List<bool>();
        await using var tm = new TaskManager(loop);
        var withTokenAndResult = tm.Spawn(async ct => { tokens.Add(ct.CanBeCanceled); return 1; });
        var withToken = tm.Spawn(async ct => { tokens.Add(ct.CanBeCanceled); });
        var withResult = tm.Spawn(async () => 3);
        var plain = tm.Spawn(async () => { });
        await tm.DisposeAsync();

        Assert.Equal([true, true], tokens);
        Assert.Equal(1, withTokenAndResult.Result);
        Assert.Equal(3, withResult.Result);
        Assert.Equal(ChildTaskStatus.Completed, withToken.Status);
        Assert.Equal(ChildTaskStatus.Completed, plain.Status);
        Assert.Equal(4, tm.Values.Count);
    });
}
