namespace Nursery.Tests.Issues;

/// <summary>
/// Issue 13, bug 9: <c>EventLoop.Sleep(TimeSpan.MaxValue)</c> on a <see cref="VirtualClock"/> jumped the clock to
/// <see cref="TimeSpan.MaxValue"/> (the sleep then ended, about 29,000 years later), after which
/// <c>loop.TimeProvider.GetUtcNow()</c> threw an unrepresentable-DateTime error.
/// </summary>
/// <remarks>
/// <c>Sleep(TimeSpan.MaxValue)</c> is the usual way to say "sleep until cancelled", so it must never end by itself:
/// its timer is never due and auto-jump never jumps to it. A delay that would end past
/// <see cref="VirtualClock.MaxTime"/> (the last instant <c>GetUtcNow</c> can show) is the same "never"; the clock
/// itself stops at <see cref="VirtualClock.MaxTime"/>, so <c>GetUtcNow</c> never throws.
/// </remarks>
public class SleepForeverOnAVirtualClockTests
{
    [Fact]
    public void Sleep_MaxValueWithNothingElseToDo_NeverEndsAndTheClockDoesNotMove() => Virtual.Run(async loop =>
    {
        var forever = EventLoop.Sleep(TimeSpan.MaxValue);

        await LoopThreadWatch.SignalledOnceBlocked(Thread.CurrentThread);

        Assert.False(forever.IsCompleted, "sleeping forever ended by itself");
        Assert.Equal(TimeSpan.Zero, loop.Now);
        Assert.Equal(DateTimeOffset.UnixEpoch, loop.TimeProvider.GetUtcNow());
    });

    [Fact]
    public void Sleep_PastTheLastRepresentableTime_IsForeverToo() => Virtual.Run(async loop =>
    {
        await EventLoop.Sleep(S(1));
        var pastTheEnd = EventLoop.Sleep(VirtualClock.MaxTime); // would end one second after MaxTime
        var atTheEnd = EventLoop.Sleep(VirtualClock.MaxTime - S(1));

        await atTheEnd;

        Assert.Equal(VirtualClock.MaxTime, loop.Now);
        Assert.Equal(DateTimeOffset.MaxValue, loop.TimeProvider.GetUtcNow());
        await LoopThreadWatch.SignalledOnceBlocked(Thread.CurrentThread);
        Assert.False(pastTheEnd.IsCompleted);
    });

    [Fact]
    public void Sleep_MaxValueInAChild_IsCancelledWithItsManagerAndTimeFollowsTheOtherTimers() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        await using (var tm = new TaskManager(loop))
        {
            tm.Spawn(async () =>
            {
                try { await EventLoop.Sleep(TimeSpan.MaxValue); }
                finally { log.Add("forever ended"); }
            });
            tm.Spawn(async () => { await EventLoop.Sleep(S(5)); tm.Cancel(); });
        }
        log.Add($"utc {loop.TimeProvider.GetUtcNow() - DateTimeOffset.UnixEpoch}");

        Assert.Equal(["5s forever ended", "5s utc 00:00:05"], log.Entries);
    });

    [Fact]
    public void Advance_ByMaxValue_StopsAtTheLastRepresentableTime()
    {
        var clock = new VirtualClock();
        using var loop = new EventLoop(clock);
        clock.Advance(S(5));

        clock.Advance(TimeSpan.MaxValue);

        Assert.Equal(VirtualClock.MaxTime, clock.Now);
        Assert.Equal(DateTimeOffset.MaxValue, loop.TimeProvider.GetUtcNow());
    }

    [Fact]
    public void TimeProviderTimer_DueAtMaxValue_NeverFires() => Virtual.Run(async loop =>
    {
        var fired = false;
        using var timer = loop.TimeProvider.CreateTimer(_ => fired = true, null, TimeSpan.MaxValue, Timeout.InfiniteTimeSpan);

        await LoopThreadWatch.SignalledOnceBlocked(Thread.CurrentThread);

        Assert.False(fired);
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });
}
