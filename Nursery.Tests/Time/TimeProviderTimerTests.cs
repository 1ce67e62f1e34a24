namespace Nursery.Tests.Time;

/// <summary>ITimer from loop.TimeProvider: one-shot and periodic, Change and Dispose from any thread, created before Run.</summary>
public class TimeProviderTimerTests
{
    [Fact]
    public void CreateTimer_OneShot_FiresOnceAtItsDueTimeOnTheLoopThreadWithItsState() => Virtual.Run(async loop =>
    {
        var loopThread = Environment.CurrentManagedThreadId;
        var firings = new List<(TimeSpan At, object? State, int Thread)>();
        var state = new object();
        using var timer = loop.TimeProvider.CreateTimer(s => firings.Add((loop.Now, s, Environment.CurrentManagedThreadId)), state, S(2), Timeout.InfiniteTimeSpan);

        await EventLoop.Sleep(S(100));

        var firing = Assert.Single(firings);
        Assert.Equal(S(2), firing.At);
        Assert.Same(state, firing.State);
        Assert.Equal(loopThread, firing.Thread);
    });

    [Fact]
    public void CreateTimer_ZeroPeriod_IsOneShot() => Virtual.Run(async loop =>
    {
        var fired = 0;
        using var timer = loop.TimeProvider.CreateTimer(_ => fired++, null, S(1), TimeSpan.Zero);
        await EventLoop.Sleep(S(10));
        Assert.Equal(1, fired);
    });

    [Fact]
    public void CreateTimer_ZeroDueTime_FiresOnALaterTurnNotInsideCreateTimer() => Virtual.Run(async loop =>
    {
        var fired = false;
        using var timer = loop.TimeProvider.CreateTimer(_ => fired = true, null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        Assert.False(fired);
        await loop.RunCurrentAsync();
        Assert.True(fired);
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });

    [Fact]
    public void CreateTimer_Periodic_FiresAtDueThenEveryPeriodWithoutDrift() => Virtual.Run(async loop =>
    {
        var firings = new List<TimeSpan>();
        using var timer = loop.TimeProvider.CreateTimer(_ => firings.Add(loop.Now), null, Ms(500), Ms(300));
        await EventLoop.Sleep(Ms(2050)); // not 2 s: a firing due with main's wake-up may run after it in that turn
        Assert.Equal([Ms(500), Ms(800), Ms(1100), Ms(1400), Ms(1700), Ms(2000)], firings);
    });

    [Fact]
    public void CreateTimer_PeriodicWhileTheLoopIsBusy_KeepsItsScheduleFromTheDeadlines() => Virtual.Run(async loop =>
    {
        // The clock is moved in uneven steps by a busy loop: each firing happens late, but the next deadline is
        // counted from the deadline just served, not from when the firing happened to run.
        var clock = (VirtualClock)loop.Clock;
        var firings = new List<TimeSpan>();
        using var fired = new SemaphoreSlim(0);
        using var timer = loop.TimeProvider.CreateTimer(_ => { firings.Add(loop.Now); fired.Release(); }, null, S(1), S(1));
        foreach (var step in new[] { Ms(1500), Ms(700), Ms(900), Ms(900) })
        {
            clock.Advance(step);
            await fired.WaitAsync();
        }
        Assert.Equal([Ms(1500), Ms(2200), Ms(3100), S(4)], firings);
    }, clock: new VirtualClock { AutoJump = false });

    [Fact]
    public void Change_WhilePending_ReschedulesCountingFromTheCall() => Virtual.Run(async loop =>
    {
        var firings = new List<TimeSpan>();
        using var timer = loop.TimeProvider.CreateTimer(_ => firings.Add(loop.Now), null, S(10), Timeout.InfiniteTimeSpan);
        await EventLoop.Sleep(S(3));
        Assert.True(timer.Change(S(2), Timeout.InfiniteTimeSpan));
        await EventLoop.Sleep(S(20));
        Assert.Equal([S(5)], firings);
    });

    [Fact]
    public void Change_InsideItsOwnCallback_RearmsIt() => Virtual.Run(async loop =>
    {
        var firings = new List<TimeSpan>();
        ITimer? timer = null;
        timer = loop.TimeProvider.CreateTimer(_ =>
        {
            firings.Add(loop.Now);
            if (firings.Count < 3) timer!.Change(S(firings.Count), Timeout.InfiniteTimeSpan);
        }, null, S(1), Timeout.InfiniteTimeSpan);
        await EventLoop.Sleep(S(10));
        timer.Dispose();
        Assert.Equal([S(1), S(2), S(4)], firings);
    });

    [Fact]
    public void Change_ToZeroInsideItsOwnCallbackForever_DoesNotStarveOtherWork() => Virtual.Run(async loop =>
    {
        // A timer due "now" that is set during the timer phase fires on the next turn, so re-arming at zero in the
        // callback cannot keep the loop in its timer phase forever.
        var firings = 0;
        ITimer? timer = null;
        timer = loop.TimeProvider.CreateTimer(_ =>
        {
            firings++;
            timer!.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }, null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);

        for (var i = 0; i < 5; i++) await EventLoop.Yield();
        timer.Dispose();

        Assert.InRange(firings, 4, 6); // about once per turn
    });

    [Fact]
    public void Dispose_BeforeDue_TheTimerNeverFiresAndChangeReturnsFalse() => Virtual.Run(async loop =>
    {
        var fired = false;
        var timer = loop.TimeProvider.CreateTimer(_ => fired = true, null, S(1), S(1));
        timer.Dispose();
        timer.Dispose(); // twice is harmless
        Assert.False(timer.Change(S(1), S(1)));
        await EventLoop.Sleep(S(10));
        Assert.False(fired);
    });

    [Fact]
    public void Dispose_InsideItsOwnCallback_StopsAPeriodicTimer() => Virtual.Run(async loop =>
    {
        var firings = 0;
        ITimer? timer = null;
        timer = loop.TimeProvider.CreateTimer(_ => { if (++firings == 2) timer!.Dispose(); }, null, S(1), S(1));
        await EventLoop.Sleep(S(10));
        Assert.Equal(2, firings);
    });

    [Fact]
    public void DisposeAsync_OnATimer_StopsIt() => Virtual.Run(async loop =>
    {
        var fired = false;
        var timer = loop.TimeProvider.CreateTimer(_ => fired = true, null, S(1), S(1));
        await timer.DisposeAsync();
        await EventLoop.Sleep(S(3));
        Assert.False(fired);
    });

    [Fact]
    public void Change_FromAnotherThread_IsAppliedOnTheLoop() => Virtual.Run(async loop =>
    {
        // No auto-jump: while the other thread works, the loop must not jump to the timer's old deadline.
        var clock = (VirtualClock)loop.Clock;
        var firings = new List<TimeSpan>();
        using var timer = loop.TimeProvider.CreateTimer(_ => firings.Add(loop.Now), null, TimeSpan.FromHours(1), Timeout.InfiniteTimeSpan);
        async Task TwoTurnsAsync()
        {
            await EventLoop.Yield();
            await EventLoop.Yield();
        }

        Assert.True(await Task.Run(() => timer.Change(S(2), Timeout.InfiniteTimeSpan)));
        clock.Advance(S(1));
        await TwoTurnsAsync();
        Assert.Empty(firings);
        clock.Advance(S(1));
        await TwoTurnsAsync();
        Assert.Equal([S(2)], firings);
        clock.Advance(TimeSpan.FromHours(1)); // the old one-hour deadline is gone
        await TwoTurnsAsync();
        Assert.Equal([S(2)], firings);
    }, clock: new VirtualClock { AutoJump = false });

    [Fact]
    public void Dispose_FromAnotherThread_StopsTheTimer() => Virtual.Run(async loop =>
    {
        var clock = (VirtualClock)loop.Clock;
        var fired = false;
        var timer = loop.TimeProvider.CreateTimer(_ => fired = true, null, S(1), S(1));

        await Task.Run(timer.Dispose);
        clock.Advance(S(5));
        await EventLoop.Yield();
        await EventLoop.Yield();

        Assert.False(fired);
        Assert.Equal(0, loop.Timers.Count);
    }, clock: new VirtualClock { AutoJump = false });

    [Fact]
    public void CreateTimer_BeforeRunStarts_FiresDuringTheRunAtItsDueTime() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        var fired = new TaskCompletionSource<TimeSpan>();
        using var timer = loop.TimeProvider.CreateTimer(_ => fired.SetResult(loop.Now), null, S(2), Timeout.InfiniteTimeSpan);
        using var changedBeforeRun = loop.TimeProvider.CreateTimer(_ => { }, null, S(1), Timeout.InfiniteTimeSpan);
        changedBeforeRun.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        var firedAt = loop.Run(() => fired.Task);

        Assert.Equal(S(2), firedAt);
        Assert.Equal(0, loop.Timers.Count); // the stopped one was never added
    });

    [Fact]
    public void CreateTimer_Callback_RunsWithTheAsyncLocalValuesOfItsCreation() => Virtual.Run(async loop =>
    {
        var local = new AsyncLocal<string>();
        local.Value = "at creation";
        var seen = new TaskCompletionSource<string?>();
        using var timer = loop.TimeProvider.CreateTimer(_ => seen.SetResult(local.Value), null, S(1), Timeout.InfiniteTimeSpan);
        local.Value = "changed later";
        Assert.Equal("at creation", await seen.Task);
    });
}
