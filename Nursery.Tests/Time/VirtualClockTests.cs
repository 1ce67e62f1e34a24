namespace Nursery.Tests.Time;

/// <summary>VirtualClock: starts at zero, moves by Advance or by the loop's auto-jump, never backwards.</summary>
public class VirtualClockTests
{
    [Fact]
    public void VirtualClock_New_StartsAtZeroWithAutoJump()
    {
        var clock = new VirtualClock();
        Assert.Equal(TimeSpan.Zero, clock.Now);
        Assert.True(clock.AutoJump);
        Assert.False(new VirtualClock { AutoJump = false }.AutoJump);
    }

    [Fact]
    public void Advance_Repeatedly_AddsUp()
    {
        var clock = new VirtualClock();
        clock.Advance(S(1));
        clock.Advance(Ms(250));
        clock.Advance(TimeSpan.Zero);
        Assert.Equal(Ms(1250), clock.Now);
    }

    [Fact]
    public void Advance_Negative_ThrowsArgumentOutOfRangeExceptionAndKeepsTheTime()
    {
        var clock = new VirtualClock();
        clock.Advance(S(2));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => clock.Advance(TimeSpan.FromTicks(-1)));
        Assert.Equal("by", e.ParamName);
        Assert.Contains("forward", e.Message, StringComparison.Ordinal);
        Assert.Equal(S(2), clock.Now);
    }

    [Fact]
    public void Advance_PastMaxTime_SaturatesAtMaxTime()
    {
        var clock = new VirtualClock();
        clock.Advance(S(5));
        clock.Advance(TimeSpan.MaxValue);
        Assert.Equal(VirtualClock.MaxTime, clock.Now);
        clock.Advance(S(1));
        Assert.Equal(VirtualClock.MaxTime, clock.Now);
    }

    [Fact]
    public void Advance_FromManyThreadsAtOnce_LosesNoIncrement()
    {
        var clock = new VirtualClock();
        Parallel.For(0, 1000, _ => clock.Advance(TimeSpan.FromTicks(3)));
        Assert.Equal(TimeSpan.FromTicks(3000), clock.Now);
    }

    [Fact]
    public void EventLoop_WithVirtualClock_NowIsTheClocksTime() => Guard.Run(() =>
    {
        var clock = new VirtualClock();
        using var loop = new EventLoop(clock);
        Assert.Same(clock, loop.Clock);
        clock.Advance(S(3));
        Assert.Equal(S(3), loop.Now);
    });

    [Fact]
    public void AutoJump_IdleLoop_JumpsExactlyToEachNextDeadline() => Virtual.Run(async loop =>
    {
        var wokeAt = new List<TimeSpan>();
        foreach (var step in new[] { Ms(1), S(2), TimeSpan.FromDays(3), TimeSpan.FromTicks(1) })
        {
            await EventLoop.Sleep(step);
            wokeAt.Add(loop.Now);
        }
        Assert.Equal([Ms(1), Ms(2001), Ms(2001) + TimeSpan.FromDays(3), Ms(2001) + TimeSpan.FromDays(3) + TimeSpan.FromTicks(1)], wokeAt);
    });

    [Fact]
    public void AutoJump_Off_TimeDoesNotMoveByItself() => Virtual.Run(async loop =>
    {
        Task sleep = EventLoop.Sleep(S(1));
        await Task.Delay(Ms(30)); // the loop idles on a real timer: an auto-jumping clock would fire the sleep
        Assert.False(sleep.IsCompleted);
        Assert.Equal(TimeSpan.Zero, loop.Now);
        ((VirtualClock)loop.Clock).Advance(S(1));
        await sleep;
        Assert.Equal(S(1), loop.Now);
    }, clock: new VirtualClock { AutoJump = false });

    [Trait("Schedule", "Fifo")]
    [Fact]
    public void Advance_OnTheLoopThreadPastSeveralTimers_FiresThemAllInOrderAndNowIsTheAdvancedTime() => Virtual.Run(async loop =>
    {
        var order = new List<string>();
        async Task Nap(string name, TimeSpan delay)
        {
            await EventLoop.Sleep(delay);
            order.Add($"{name} at {loop.Now.TotalSeconds}s");
        }
        var naps = Task.WhenAll(Nap("c", S(3)), Nap("a", S(1)), Nap("b", S(2)), Nap("later", S(10)));

        ((VirtualClock)loop.Clock).Advance(S(5));
        await EventLoop.Yield();
        await EventLoop.Yield();
        Assert.Equal(["a at 5s", "b at 5s", "c at 5s"], order);

        ((VirtualClock)loop.Clock).Advance(S(5));
        await naps;
        Assert.Equal("later at 10s", order[^1]);
    }, clock: new VirtualClock { AutoJump = false });

    [Fact]
    public void Advance_FromAnotherThreadWhileTheLoopIsBlocked_WakesItWithoutAutoJump() => Guard.Run(() =>
    {
        var clock = new VirtualClock { AutoJump = false };
        using var loop = new EventLoop(clock);
        Thread? loopThread = null;
        var advancer = new Thread(() =>
        {
            // Wait until the loop thread is really blocked (idle) before advancing: the wake-up is what is tested.
            while (loopThread is null || (loopThread.ThreadState & ThreadState.WaitSleepJoin) == 0) Thread.Sleep(1);
            Thread.Sleep(20);
            clock.Advance(S(3));
        }) { IsBackground = true };

        var wokeAt = loop.Run(async () =>
        {
            loopThread = Thread.CurrentThread;
            advancer.Start();
            await EventLoop.Sleep(S(3));
            return loop.Now;
        });

        Assert.Equal(S(3), wokeAt);
    });

    [Fact]
    public void Advance_FromAnotherThreadByLessThanTheDeadline_DoesNotWakeTheSleeperEarly() => Virtual.Run(async loop =>
    {
        var clock = (VirtualClock)loop.Clock;
        Task sleep = EventLoop.Sleep(S(10));
        await Task.Run(() => clock.Advance(S(4)));
        await EventLoop.Yield();
        Assert.False(sleep.IsCompleted);
        await Task.Run(() => clock.Advance(S(6)));
        await sleep;
        Assert.Equal(S(10), loop.Now);
    }, clock: new VirtualClock { AutoJump = false });
}
