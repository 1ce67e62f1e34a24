namespace Nursery.Tests.Nursery;

/// <summary>DisposeAsync may be called more than once; later calls do nothing more.</summary>
public class DisposeAsyncTests
{
    [Fact]
    public void DisposeAsync_SecondCallAfterACleanJoin_CompletesAtOnce() => Virtual.Run(async loop =>
    {
        var tm = new TaskManager(loop);
        tm.Spawn(() => EventLoop.Sleep(S(1)));
        await tm.DisposeAsync();
        var again = tm.DisposeAsync();
        Assert.True(again.IsCompletedSuccessfully);
        await again;
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void DisposeAsync_SecondCallAfterAFailedJoin_DoesNotRethrow() => Virtual.Run(async loop =>
    {
        var boom = new Boom("once");
        var tm = new TaskManager(loop);
        tm.Spawn(async () => { await EventLoop.Yield(); throw boom; });
        Assert.Same(boom, await Catch.ExceptionAsync(() => tm.DisposeAsync().AsTask()));

        var again = tm.DisposeAsync();
        Assert.True(again.IsCompletedSuccessfully);
        await again;
    });

    [Fact]
    public void DisposeAsync_FailureRecordedWithNoLiveChildren_ThrownByTheFirstCallOnly() => Virtual.Run(async loop =>
    {
        var boom = new Boom("already ended");
        var tm = new TaskManager(loop);
        var child = tm.Spawn(() => throw boom);
        await Catch.ExceptionAsync(() => child.Completion);

        var first = tm.DisposeAsync(); // no live child: the failure comes back at once
        Assert.True(first.IsFaulted);
        Assert.Same(boom, await Catch.ExceptionAsync(() => first.AsTask()));
        await tm.DisposeAsync();
    });

    [Fact]
    public void DisposeAsync_SecondCallWhileTheFirstIsJoining_WaitsForTheChildrenButLeavesTheFailureToTheFirst() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        var boom = new Boom("x");
        var tm = new TaskManager(loop);
        tm.Spawn(async () =>
        {
            try { await EventLoop.Sleep(S(5)); }
            finally { await Task.Delay(S(2), loop.TimeProvider); }
        });
        tm.Spawn(() => Failing.AfterAsync(S(1), boom));

        var first = tm.DisposeAsync().AsTask();
        var second = tm.DisposeAsync().AsTask();
        await second;
        log.Add("second returned");
        var e = await Catch.ExceptionAsync(() => first);
        log.Add("first threw");

        Assert.Same(boom, e);
        Assert.Equal(["3s second returned", "3s first threw"], log.Entries);
        Assert.Equal(2, tm.Children.Count(c => c.Status is ChildTaskStatus.Cancelled or ChildTaskStatus.Faulted));
    });

    [Fact]
    public void DisposeAsync_CalledInsideAnAwaitUsingBlock_TheImplicitCallDoesNothingMore() => Virtual.Run(async loop =>
    {
        var boom = new Boom("x");
        var caught = 0;
        try
        {
            await using var tm = new TaskManager(loop);
            tm.Spawn(async () => { await EventLoop.Yield(); throw boom; });
            try { await tm.DisposeAsync(); }
            catch (Boom) { caught++; }
        }
        catch (Boom)
        {
            caught += 10; // the implicit DisposeAsync must not rethrow
        }
        Assert.Equal(1, caught);
    });
}
