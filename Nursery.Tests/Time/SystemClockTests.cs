using System.Diagnostics;

namespace Nursery.Tests.Time;

/// <summary>SystemClock: real, monotonic time from zero.</summary>
public class SystemClockTests
{
    [Fact]
    public void SystemClock_New_StartsNearZero()
    {
        var clock = new SystemClock();
        var now = clock.Now;
        Assert.True(now >= TimeSpan.Zero && now < S(1), $"a new clock read {now}");
    }

    [Fact]
    public void Now_ReadManyTimes_NeverGoesBackwards()
    {
        var clock = new SystemClock();
        var last = clock.Now;
        for (var i = 0; i < 100_000; i++)
        {
            var now = clock.Now;
            Assert.True(now >= last, $"went back from {last} to {now}");
            last = now;
        }
    }

    [Fact]
    public void Now_AfterRealTimePasses_HasMovedByAtLeastThatMuch()
    {
        var clock = new SystemClock();
        var before = clock.Now;
        var real = Stopwatch.StartNew();
        Thread.Sleep(20); // measuring real time, not synchronising
        var realElapsed = real.Elapsed; // read first: the clock was read before the stopwatch started, and after this
        var moved = clock.Now - before;
        Assert.True(moved >= realElapsed, $"clock moved {moved}, real time {realElapsed}");
    }

    [Fact]
    public void EventLoop_WithoutAClock_UsesASystemClock() => Guard.Run(() =>
    {
        using var loop = new EventLoop();
        Assert.IsType<SystemClock>(loop.Clock);
        var real = Stopwatch.StartNew();
        var slept = loop.Run(async () =>
        {
            var before = loop.Now;
            await EventLoop.Sleep(Ms(30));
            return loop.Now - before;
        });
        Assert.True(slept >= Ms(30), $"loop time moved {slept}");
        Assert.True(real.Elapsed >= Ms(29), $"Sleep(30 ms) took {real.Elapsed}");
    });

    [Fact]
    public void EventLoop_NullClockOrOptions_ThrowsArgumentNullExceptionNamingIt()
    {
        Assert.Equal("clock", Assert.Throws<ArgumentNullException>(() => new EventLoop(null!)).ParamName);
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => new EventLoop(new VirtualClock(), null!)).ParamName);
    }

    [Fact]
    public void IdleLoop_WaitingForATimerWeeksAway_StillWakesForWorkFromAnotherThread() => Guard.Run(() =>
    {
        // The wait is longer than a single Monitor.Wait may be (int.MaxValue ms, about 24.8 days): it is capped.
        using var loop = new EventLoop(new SystemClock());
        var value = loop.Run(async () =>
        {
            var arrived = new TaskCompletionSource<int>();
            var far = EventLoop.Sleep(TimeSpan.FromDays(30)).AsTask();
            var poster = new Thread(() => arrived.SetResult(5)) { IsBackground = true };
            poster.Start();
            return await arrived.Task;
        });
        Assert.Equal(5, value);
    });
}
