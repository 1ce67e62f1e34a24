namespace Nursery.Tests.Loop;

/// <summary>EventLoop.Sleep: a timer in the loop's heap, validated on entry, cancellable by a token.</summary>
public class SleepTests
{
    [Fact]
    public void Sleep_Delay_WakesExactlyThatLongAfterTheCall() => Virtual.Run(async loop =>
    {
        await EventLoop.Sleep(S(3));
        var start = loop.Now;
        await EventLoop.Sleep(Ms(1500));
        Assert.Equal(S(3) + Ms(1500), loop.Now);
        Assert.Equal(Ms(1500), loop.Now - start);
    });

    [Fact]
    public void Sleep_Zero_IsNotCompletedSynchronouslyAndDoesNotMoveTime() => Virtual.Run(async loop =>
    {
        Task sleep = EventLoop.Sleep(TimeSpan.Zero);
        Assert.False(sleep.IsCompleted);
        await sleep;
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });

    [Trait("Schedule", "Fifo")]
    [Fact]
    public void Sleep_Zero_LetsReadyWorkRunFirst() => Virtual.Run(async loop =>
    {
        var order = new List<string>();
        await using var tm = new TaskManager(loop);
        tm.Spawn(async () => order.Add("child"));
        SynchronizationContext.Current!.Post(_ => order.Add("post"), null);

        await EventLoop.Sleep(TimeSpan.Zero);
        order.Add("main");

        Assert.Equal(["child", "post", "main"], order);
    });

    [Fact]
    public void Sleep_Zero_InACancelledChild_ThrowsOperationCanceledException() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async () =>
        {
            tm.Children[0].Cancel();
            await EventLoop.Sleep(TimeSpan.Zero);
        });
        await tm.DisposeAsync();
        Assert.Equal(ChildTaskStatus.Cancelled, child.Status);
    });

    [Fact]
    public void Sleep_OffTheLoop_ThrowsInvalidOperationExceptionNamingTheProblem() => Guard.Run(() =>
    {
        var withoutToken = Catch.Synchronously<InvalidOperationException>(() => EventLoop.Sleep(S(1)));
        var withToken = Catch.Synchronously<InvalidOperationException>(() => EventLoop.Sleep(S(1), CancellationToken.None));
        foreach (var e in new[] { withoutToken, withToken })
        {
            Assert.Contains("EventLoop.Sleep", e.Message, StringComparison.Ordinal);
            Assert.Contains("no event loop on this thread", e.Message, StringComparison.Ordinal);
        }
    });

    [Fact]
    public void Sleep_FromAThreadPoolThreadWhileTheLoopRuns_ThrowsInvalidOperationException() => Virtual.Run(async loop =>
    {
        var e = await Catch.OffLoopAsync(() => _ = EventLoop.Sleep(S(1)));
        Assert.IsType<InvalidOperationException>(e);
        Assert.True(loop.IsRunning);
    });

    [Fact]
    public void Sleep_OffTheLoopWithANegativeDelay_ReportsTheMissingLoopFirst() => Guard.Run(() =>
    {
        Catch.Synchronously<InvalidOperationException>(() => EventLoop.Sleep(S(-1)));
    });

    [Fact]
    public void Sleep_NegativeDelay_ThrowsArgumentOutOfRangeExceptionSynchronously() => Virtual.Run(async loop =>
    {
        var e1 = Catch.Synchronously<ArgumentOutOfRangeException>(() => EventLoop.Sleep(TimeSpan.FromTicks(-1)));
        var e2 = Catch.Synchronously<ArgumentOutOfRangeException>(() => EventLoop.Sleep(S(-5), CancellationToken.None));
        Assert.Equal("delay", e1.ParamName);
        Assert.Equal("delay", e2.ParamName);
        Assert.Equal(0, loop.Timers.Count);
    });

    [Fact]
    public void Sleep_AlreadyCancelledToken_ReturnsACancelledTaskCarryingThatToken() => Virtual.Run(async loop =>
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Task sleep = EventLoop.Sleep(TimeSpan.FromHours(1), cts.Token);

        Assert.True(sleep.IsCanceled);
        var e = await Catch.AnyAsync<OperationCanceledException>(() => sleep);
        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.Equal(0, loop.Timers.Count);
    });

    [Fact]
    public void Sleep_TokenCancelledLater_EndsWithThatTokenWithoutMovingTime() => Virtual.Run(async loop =>
    {
        using var cts = new CancellationTokenSource();
        Task sleep = EventLoop.Sleep(TimeSpan.FromHours(1), cts.Token);
        await EventLoop.Sleep(S(2));
        cts.Cancel();
        Assert.False(sleep.IsCompleted); // completed on a later turn, never inside the Cancel call

        var e = await Catch.AnyAsync<OperationCanceledException>(() => sleep);
        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.Equal(S(2), loop.Now);
    });

    [Fact]
    public void Sleep_TokenCancelledFromAnotherThread_CompletesOnTheLoopThread() => Virtual.Run(async loop =>
    {
        var loopThread = Environment.CurrentManagedThreadId;
        using var cts = new CancellationTokenSource();
        Task sleep = EventLoop.Sleep(TimeSpan.FromHours(1), cts.Token);
        var resumedOn = 0;
        var observed = Observe();
        async Task Observe()
        {
            try { await sleep; }
            catch (OperationCanceledException) { resumedOn = Environment.CurrentManagedThreadId; }
        }

        await Task.Run(cts.Cancel);
        await observed;

        Assert.Equal(loopThread, resumedOn);
        Assert.True(sleep.IsCanceled);
    }, clock: new VirtualClock { AutoJump = false }); // while the other thread works, time must not jump to 1 h

    [Fact]
    public void Sleep_TimerFiredBeforeTheTokenIsCancelled_StaysCompletedSuccessfully() => Virtual.Run(async loop =>
    {
        using var cts = new CancellationTokenSource();
        Task sleep = EventLoop.Sleep(S(1), cts.Token);
        await sleep;
        cts.Cancel();
        await EventLoop.Yield();
        Assert.True(sleep.IsCompletedSuccessfully);
    });

    [Fact]
    public void Sleep_MaxValueAfterTimeHasMoved_SaturatesInsteadOfOverflowing() => Virtual.Run(async loop =>
    {
        await EventLoop.Sleep(S(10));
        using var cts = new CancellationTokenSource();
        Task forever = EventLoop.Sleep(TimeSpan.MaxValue, cts.Token);
        Task soon = EventLoop.Sleep(S(1));

        await soon; // a wrapped (negative) deadline would have fired first
        Assert.False(forever.IsCompleted);
        Assert.Equal(S(11), loop.Now);
        cts.Cancel();
        await Catch.AnyAsync<OperationCanceledException>(() => forever);
    });

    [Fact]
    public void Sleep_AtRootLevel_IsNotACheckpointOfAnyManager() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        tm.Cancel();
        await EventLoop.Sleep(S(1)); // main belongs to no child: the manager's cancellation does not reach it
        await EventLoop.Yield();
        Assert.Equal(S(1), loop.Now);
    });
}
