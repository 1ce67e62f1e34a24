namespace Nursery.Tests.Nursery;

/// <summary>
/// A manager belongs to its loop's thread: elsewhere it refuses, pointing the caller to a loop host. (Cancel is the
/// exception: see CancelFromAnyThreadTests.)
/// </summary>
public class ThreadAffinityTests
{
    private static void AssertPointsToALoopHost(Exception? e)
    {
        var refused = Assert.IsType<InvalidOperationException>(e);
        Assert.Contains("loop host", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TaskManager_ParameterlessOnALoopThread_UsesThatLoop() => Virtual.Run(async loop =>
    {
        ChildTask<EventLoop?> child;
        await using (var tm = new TaskManager())
        {
            child = tm.Spawn(async () => { await EventLoop.Sleep(S(1)); return EventLoop.Current; });
        }
        Assert.Same(loop, child.Result);
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void TaskManager_CreatedOnAnotherThreadWhileTheLoopRuns_ThrowsInvalidOperationException() => Virtual.Run(async loop =>
    {
        AssertPointsToALoopHost(await Catch.OffLoopAsync(() => _ = new TaskManager(loop)));
        Assert.IsType<InvalidOperationException>(await Catch.OffLoopAsync(() => _ = new TaskManager()));
    });

    [Fact]
    public void TaskManager_CreatedForALoopThatIsNotRunning_ThrowsInvalidOperationException() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        AssertPointsToALoopHost(Record.Exception(() => new TaskManager(loop)));
        var e = Assert.Throws<InvalidOperationException>(() => new TaskManager());
        Assert.Contains("no event loop running on this thread", e.Message, StringComparison.Ordinal);
    });

    [Fact]
    public void TaskManager_CreatedForOneLoopOnAnotherLoopsThread_ThrowsInvalidOperationException() => Guard.Run(() =>
    {
        using var other = new EventLoop(new VirtualClock());
        using var loop = new EventLoop(new VirtualClock());
        loop.Run(async () => AssertPointsToALoopHost(Record.Exception(() => new TaskManager(other))));
    });

    [Fact]
    public void TaskManager_NullLoop_ThrowsArgumentNullException() => Virtual.Run(async loop =>
        Assert.Equal("loop", Assert.Throws<ArgumentNullException>(() => new TaskManager((EventLoop)null!)).ParamName));

    [Fact]
    public void LoopOnlyMembers_UsedFromAnotherThreadWhileTheLoopRuns_ThrowInvalidOperationExceptionAndChangeNothing() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(() => EventLoop.Sleep(S(1)));

        AssertPointsToALoopHost(await Catch.OffLoopAsync(() => tm.Spawn(async () => { })));
        AssertPointsToALoopHost(await Catch.OffLoopAsync(() => tm.Spawn(async () => 1)));
        AssertPointsToALoopHost(await Catch.OffLoopAsync(() => tm.Schedule(async () => { }, S(1))));
        AssertPointsToALoopHost(await Catch.OffLoopAsync(() => _ = tm.DisposeAsync()));
        AssertPointsToALoopHost(await Catch.OffLoopAsync(() => _ = tm.Values));
        AssertPointsToALoopHost(await Catch.OffLoopAsync(() => _ = tm.Children));
        AssertPointsToALoopHost(await Catch.OffLoopAsync(() => _ = tm.Failures));
        AssertPointsToALoopHost(await Catch.OffLoopAsync(() => _ = tm.ResultsOf<int>()));
        AssertPointsToALoopHost(await Catch.OffLoopAsync(() => _ = tm.ValuesOf<int>()));

        Assert.Single(tm.Children);
        Assert.False(tm.IsCancellationRequested);
        await tm.DisposeAsync();
        Assert.Equal(ChildTaskStatus.Completed, child.Status);
    });

    [Fact]
    public void ThreadSafeMembers_ReadFromAnotherThread_Work() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async () => { await EventLoop.Sleep(S(1)); return 1; });
        await loop.RunCurrentAsync();
        var seen = await Task.Run(() => (child.Id, child.Status, child.Exception, child.Completion, tm.Token, tm.IsCancellationRequested));
        Assert.Equal(child.Id, seen.Id);
        Assert.Equal(ChildTaskStatus.Running, seen.Status);
        Assert.Null(seen.Exception);
        Assert.False(seen.IsCancellationRequested);
        ((VirtualClock)loop.Clock).Advance(S(1));
        Assert.Equal(1, await seen.Completion);
    }, clock: new VirtualClock { AutoJump = false }); // while the pool thread reads, the child must stay asleep

    [Fact]
    public void Spawn_AfterTheLoopHasStopped_ThrowsInvalidOperationException() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        var tm = loop.Run(async () => new TaskManager(loop));
        AssertPointsToALoopHost(Record.Exception(() => tm.Spawn(async () => { })));
    });

    [Fact]
    public void Cancel_FromAnotherThreadWhileTheLoopRuns_TakesEffectOnTheLoopsNextTurn() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(() => EventLoop.Sleep(S(10)));
        await loop.RunCurrentAsync(); // the child is asleep
        AnotherThread.Run(tm.Cancel); // the loop thread waits: nothing has changed yet
        Assert.False(tm.IsCancellationRequested);
        await tm.DisposeAsync();
        Assert.True(tm.IsCancellationRequested);
        Assert.Equal(ChildTaskStatus.Cancelled, child.Status);
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });

    [Fact]
    public void OutsideToken_CancelledFromAnotherThread_CancelsTheManagerOnTheLoop() => Virtual.Run(async loop =>
    {
        using var cts = new CancellationTokenSource();
        var tm = new TaskManager(loop, cts.Token);
        var child = tm.Spawn(() => EventLoop.Sleep(S(10)));
        await loop.RunCurrentAsync();
        AnotherThread.Run(cts.Cancel);
        var e = await Catch.ExactlyAsync<OperationCanceledException>(() => tm.DisposeAsync().AsTask());
        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.Equal(ChildTaskStatus.Cancelled, child.Status);
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });

    [Fact]
    public void ChildCancel_FromAnotherThreadWhileTheLoopRuns_TakesEffectOnTheLoopsNextTurn() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        string? seen = null;
        var child = tm.Spawn(async () =>
        {
            try { await EventLoop.Sleep(S(10)); }
            catch (OperationCanceledException e) { seen = e.Message; throw; }
        });
        await loop.RunCurrentAsync(); // the child is asleep
        AnotherThread.Run(child.Cancel); // the loop thread waits: nothing has changed yet
        Assert.Equal(ChildTaskStatus.Running, child.Status);
        await tm.DisposeAsync();
        Assert.Equal(ChildTaskStatus.Cancelled, child.Status);
        Assert.Equal($"Child #{child.Id} was cancelled by ChildTask.Cancel().", seen);
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });
}
