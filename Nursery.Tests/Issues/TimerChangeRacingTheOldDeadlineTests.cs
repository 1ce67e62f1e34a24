namespace Nursery.Tests.Issues;

/// <summary>
/// Issue 13, bug 3: <c>ITimer.Change</c> / <c>CancellationTokenSource.CancelAfter</c> from another thread racing the
/// old deadline. A timer changed to 10 s fired at its old time and never again; a token source created with 1 s and
/// extended to 30 s from another thread at t = 0 was cancelled at the old deadline.
/// </summary>
/// <remarks>
/// A change from another thread is recorded at once but reaches the loop's timer heap only when a work item posted to
/// the loop runs. When the clock reaches the old deadline before that item runs (the loop drains its inbox, then fires
/// due timers, then runs the drained work), the stale heap entry fires. The tests hold the loop thread while another
/// thread makes the change and moves the clock, which is exactly that interleaving, every time.
/// </remarks>
public class TimerChangeRacingTheOldDeadlineTests
{
    [Fact]
    public void Change_FromAnotherThreadBeforeTheOldDeadlineIsServed_FiresOnTheNewScheduleOnly() => Virtual.Run(async loop =>
    {
        var clock = (VirtualClock)loop.Clock;
        var firings = new List<TimeSpan>();
        using var timer = loop.TimeProvider.CreateTimer(_ => firings.Add(loop.Now), null, S(1), Timeout.InfiniteTimeSpan);

        OnAnotherThreadWhileTheLoopIsHeld(() =>
        {
            Assert.True(timer.Change(S(10), Timeout.InfiniteTimeSpan));
            clock.Advance(S(1)); // the old deadline is due before the loop has seen the change
        });
        await EventLoop.Sleep(S(100));

        Assert.Equal([S(10)], firings);
    });

    [Fact]
    public void Change_OfAPeriodicTimerFromAnotherThread_FollowsTheNewPeriodFromTheNewDueTime() => Virtual.Run(async loop =>
    {
        var clock = (VirtualClock)loop.Clock;
        var firings = new List<TimeSpan>();
        using var timer = loop.TimeProvider.CreateTimer(_ => firings.Add(loop.Now), null, S(1), S(1));

        OnAnotherThreadWhileTheLoopIsHeld(() =>
        {
            Assert.True(timer.Change(S(5), S(2)));
            clock.Advance(S(1));
        });
        await EventLoop.Sleep(Ms(9500)); // to t = 10.5 s: no firing shares main's wake-up turn

        Assert.Equal([S(5), S(7), S(9)], firings);
    });

    [Fact]
    public void CancelAfter_FromAnotherThreadExtendingTheDeadline_CancelsAtTheNewDeadline() => Virtual.Run(async loop =>
    {
        var clock = (VirtualClock)loop.Clock;
        var log = new EventLog(loop);
        using var cts = new CancellationTokenSource(S(1), loop.TimeProvider);
        using var registration = cts.Token.Register(() => log.Add("cancelled"));

        OnAnotherThreadWhileTheLoopIsHeld(() =>
        {
            cts.CancelAfter(S(30));
            clock.Advance(S(2));
        });
        await EventLoop.Sleep(S(100));

        Assert.Equal(["30s cancelled"], log.Entries);
    });

    /// <summary>
    /// Runs <paramref name="action"/> on another thread and blocks the loop thread (on purpose) until it is done, so
    /// whatever it posts to the loop is handled only after it has finished.
    /// </summary>
    private static void OnAnotherThreadWhileTheLoopIsHeld(Action action)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { action(); }
            catch (Exception e) { failure = e; }
        }) { IsBackground = true, Name = "timer changer" };
        thread.Start();
        Assert.True(thread.Join(Guard.DefaultTimeout), "The other thread did not finish.");
        if (failure is not null) throw new InvalidOperationException("The other thread failed.", failure);
    }
}
