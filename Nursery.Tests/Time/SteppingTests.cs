using System.Globalization;

namespace Nursery.Tests.Time;

/// <summary>
/// The stepping API (issue 10, item 5): RunCurrentAsync, AdvanceTimeByAsync and AdvanceUntilIdleAsync advance a
/// VirtualClock and run everything due, TimeProvider timers included, before they return.
/// </summary>
public class SteppingTests
{
    private static List<string> Logged(EventLoop loop, out Action<string> log)
    {
        var lines = new List<string>();
        log = what => lines.Add(string.Create(CultureInfo.InvariantCulture, $"{loop.Now.TotalSeconds}s {what}"));
        return lines;
    }

    /// <summary>
    /// The retry test: with AutoJump off, `Advance` then `Sleep(0)` left Task.Delay(d, loop.TimeProvider) and
    /// PeriodicTimer continuations a turn behind, and PeriodicTimer ticks due on the way all showed the final time.
    /// </summary>
    [Fact]
    public void AdvanceTimeByAsync_WithAutoJumpOff_RunsTimeProviderDelaysAndPeriodicTicksAtTheirOwnTimes()
    {
        var clock = new VirtualClock { AutoJump = false };
        var log = Virtual.Run(async loop =>
        {
            var lines = Logged(loop, out var Log);
            await using var tm = new TaskManager(loop);
            tm.Spawn(async () =>
            {
                for (var attempt = 1; attempt <= 3; attempt++)
                {
                    Log($"attempt {attempt}");
                    await Task.Delay(S(2 * attempt), loop.TimeProvider); // back-off: 2 s, then 4 s
                }
            });
            tm.Spawn(async () =>
            {
                using var ticks = new PeriodicTimer(S(5), loop.TimeProvider);
                for (var i = 0; i < 2; i++) { await ticks.WaitForNextTickAsync(); Log("tick"); }
            });

            await loop.AdvanceTimeByAsync(S(6));
            Log("stepped to 6 s");
            await loop.AdvanceTimeByAsync(S(6));
            Log("stepped to 12 s");
            return lines;
        }, clock);

        Assert.Equal(
        [
            "0s attempt 1",
            "2s attempt 2",
            "5s tick",
            "6s attempt 3",
            "6s stepped to 6 s",
            "10s tick",
            "12s stepped to 12 s",
        ], log);
        Assert.Equal(S(12), clock.Now);
    }

    [Fact]
    public void RunCurrentAsync_RunsEverythingReadyAtThisInstant_WithoutMovingTheClock()
    {
        var log = Virtual.Run(async loop =>
        {
            var lines = Logged(loop, out var Log);
            await using var tm = new TaskManager(loop);
            tm.Spawn(async () =>
            {
                for (var i = 0; i < 3; i++) { await EventLoop.Yield(); Log($"yield {i}"); }
                await Task.Delay(TimeSpan.Zero, loop.TimeProvider);
                Log("zero delay");
                await EventLoop.Sleep(S(1));
                Log("slept");
            });
            await loop.RunCurrentAsync();
            Log("settled");
            return lines;
        });

        Assert.Equal(["0s yield 0", "0s yield 1", "0s yield 2", "0s zero delay", "0s settled", "1s slept"], log);
    }

    [Fact]
    public void AdvanceUntilIdleAsync_FiresEveryTimerAtItsDeadline_ThenReturns()
    {
        var log = Virtual.Run(async loop =>
        {
            var lines = Logged(loop, out var Log);
            var tm = new TaskManager(loop);
            foreach (var seconds in new[] { 3, 1, 2 })
                tm.Schedule(async () => Log($"scheduled {seconds}"), S(seconds));
            await loop.AdvanceUntilIdleAsync();
            Log($"idle, {tm.Children.Count(c => c.Status == ChildTaskStatus.Completed)} completed");
            await tm.DisposeAsync();
            return lines;
        }, new VirtualClock { AutoJump = false });

        Assert.Equal(["1s scheduled 1", "2s scheduled 2", "3s scheduled 3", "3s idle, 3 completed"], log);
    }

    [Fact]
    public void AdvanceTimeByAsync_PastEveryTimer_EndsAtTheTarget()
    {
        var now = Virtual.Run(async loop =>
        {
            await loop.AdvanceTimeByAsync(S(90));
            return loop.Now;
        }, new VirtualClock { AutoJump = false });
        Assert.Equal(S(90), now);
    }

    [Fact]
    public void Stepping_Misuse_IsRefusedWithAClearMessage()
    {
        using var idle = new EventLoop(new VirtualClock());
        var offLoop = Assert.Throws<InvalidOperationException>(() => { _ = idle.RunCurrentAsync(); });
        Assert.Contains("EventLoop.RunCurrentAsync must be called from code running on an event loop", offLoop.Message);

        Virtual.Run(async loop =>
        {
            var negative = Assert.Throws<ArgumentOutOfRangeException>(() => { _ = loop.AdvanceTimeByAsync(S(-1)); });
            Assert.Contains("never runs backwards", negative.Message);
        });

        Guard.Run(() =>
        {
            using var real = new EventLoop(new SystemClock(), new LoopOptions());
            real.Run(async () =>
            {
                var e = Assert.Throws<InvalidOperationException>(() => { _ = real.AdvanceTimeByAsync(S(1)); });
                Assert.Contains("AdvanceTimeByAsync moves a VirtualClock, but this loop runs on a SystemClock", e.Message);
                Assert.EndsWith("advance the fake time provider and then await loop.RunCurrentAsync(); real clocks cannot be moved.", e.Message);
            });
        });

        Virtual.Run(async loop =>
        {
            // From code on another loop: that loop's time is not this one's to move.
            using var other = new EventLoop(new VirtualClock());
            var e = Assert.Throws<InvalidOperationException>(() => { _ = other.AdvanceTimeByAsync(S(1)); });
            Assert.Equal("EventLoop.AdvanceTimeByAsync was called from code running on another event loop; call it from code on this loop.", e.Message);
            Assert.Equal(TimeSpan.Zero, other.Now);
        });
    }

    [Fact]
    public void AdvanceTimeByAsync_WithAutoJumpOn_StopsAtTheTarget_AndLetsLaterTimersWait()
    {
        var log = Virtual.Run(async loop =>
        {
            var lines = Logged(loop, out var Log);
            await using var tm = new TaskManager(loop);
            var late = tm.Schedule(async () => Log("late"), S(10));
            await loop.AdvanceTimeByAsync(S(4));
            Log($"late is {late.Status}");
            return lines;
        });
        Assert.Equal(["4s late is Scheduled", "10s late"], log);
    }

    [Fact]
    public void RunCurrentAsync_CalledTwiceAtOnce_CompletesBoth() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var fromChild = tm.Spawn(() => loop.RunCurrentAsync());
        var fromMain = loop.RunCurrentAsync();
        await fromMain; // a lost waiter would leave this pending forever (the deadlock detector, or the guard, ends it)
        await tm.DisposeAsync();
        Assert.Equal(ChildTaskStatus.Completed, fromChild.Status);
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });

    [Fact]
    public void AdvanceTimeByAsync_Zero_IsRunCurrentAsync_AndMaxValue_StopsAtTheEndOfTime() => Virtual.Run(async loop =>
    {
        var ran = false;
        loop.TimeProvider.CreateTimer(_ => ran = true, null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        await loop.AdvanceTimeByAsync(TimeSpan.Zero);
        Assert.True(ran);
        Assert.Equal(TimeSpan.Zero, loop.Now);

        await loop.AdvanceTimeByAsync(TimeSpan.MaxValue); // saturates at the last representable instant
        Assert.Equal(VirtualClock.MaxTime, loop.Now);
        Assert.Equal(DateTimeOffset.MaxValue, loop.TimeProvider.GetUtcNow());
    }, clock: new VirtualClock { AutoJump = false });
}
