namespace Nursery.Tests.Nursery;

/// <summary>Children (spawn order) and Id (distinct per loop).</summary>
public class ChildrenTests
{
    [Fact]
    public void Children_EveryKindOfChild_ListedInSpawnOrder() => Virtual.Run(async loop =>
    {
        var tm = new TaskManager(loop);
        var scheduled = tm.Schedule(async () => { }, S(5));
        var spawned = tm.Spawn(async () => { await EventLoop.Sleep(S(1)); });
        var cancelled = tm.Spawn(async () => { });
        cancelled.Cancel();
        ChildTask? fromChild = null;
        var spawner = tm.Spawn(async () => fromChild = tm.Spawn(async () => { }));
        Assert.Equal([scheduled, spawned, cancelled, spawner], tm.Children);
        await tm.DisposeAsync();
        Assert.Equal([scheduled, spawned, cancelled, spawner, fromChild!], tm.Children);
    });

    [Fact]
    public void Children_OfANewManager_IsEmpty() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        Assert.Empty(tm.Children);
    });

    [Fact]
    public void Id_ChildrenOfSeveralManagersOnOneLoop_AreAllDistinct() => Virtual.Run(async loop =>
    {
        var ids = new List<int>();
        await using (var a = new TaskManager(loop))
        await using (var b = new TaskManager(loop))
        {
            for (var i = 0; i < 10; i++)
            {
                ids.Add(a.Spawn(async () => { }).Id);
                ids.Add(b.Schedule(async () => { }, S(i)).Id);
            }
            a.Spawn(async () =>
            {
                await using var nested = new TaskManager(loop);
                ids.Add(nested.Spawn(async () => { }).Id);
            });
        }
        await TaskManager.RunAsync(async tm => ids.Add(tm.Spawn(async () => { }).Id));

        Assert.Equal(22, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());
    });

    [Fact]
    public void ChildTask_IsDeliberatelyNotAwaitable()
    {
        // An awaitable return value would make every 'tm.Spawn(...)' statement raise CS4014; join with Completion.
        Assert.Null(typeof(ChildTask).GetMethod("GetAwaiter", Type.EmptyTypes));
        Assert.Null(typeof(ChildTask<int>).GetMethod("GetAwaiter", Type.EmptyTypes));
    }

    [Fact]
    public void Children_OfAManagerThatRetainsEndedChildren_KeepsEveryOnePastTheSweepSize() => Virtual.Run(async loop =>
    {
        // The sweep that keeps a manager with RetainEndedChildren = false small must never touch a retaining one.
        await using var tm = new TaskManager(loop);
        for (var i = 0; i < 100; i++) tm.Spawn(async () => { });
        await loop.RunCurrentAsync(); // all 100 have ended
        tm.Spawn(async () => { });
        Assert.Equal(101, tm.Children.Count);
    });
}
