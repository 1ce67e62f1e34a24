using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Time.Testing;

namespace Nursery.Tests.Time;

/// <summary>
/// TimeProviderClock (issue 12, item 8): a loop over a FakeTimeProvider moves exactly when the fake is advanced, from
/// the loop thread or from another thread while the loop idles, and gives the same events as on a VirtualClock.
/// </summary>
public class TimeProviderClockTests
{
    [Fact]
    public void TimeProviderClock_New_ReadsZeroThenFollowsTheProvidersElapsedTime()
    {
        var fake = new FakeTimeProvider();
        fake.Advance(S(100)); // time before the clock existed does not count
        var clock = new TimeProviderClock(fake);
        Assert.Equal(TimeSpan.Zero, clock.Now);

        fake.Advance(Ms(1500));

        Assert.Equal(Ms(1500), clock.Now);
        Assert.Same(fake, clock.TimeProvider);
    }

    [Fact]
    public void TimeProviderClock_NullProvider_ThrowsArgumentNullException()
    {
        var e = Assert.Throws<ArgumentNullException>(() => new TimeProviderClock(null!));
        Assert.Equal("timeProvider", e.ParamName);
    }

    [Fact]
    public void Now_WhenTheProviderIsSetBack_StandsStillUntilTheProviderCatchesUp()
    {
        var fake = new FakeTimeProvider();
        var clock = new TimeProviderClock(fake);
        fake.Advance(S(10));
        Assert.Equal(S(10), clock.Now);

        fake.AdjustTime(fake.GetUtcNow() - S(4));
        Assert.Equal(S(10), clock.Now);
        fake.Advance(S(5));

        Assert.Equal(S(11), clock.Now);
    }

    [Fact]
    public void GetUtcNow_OfTheLoopsTimeProvider_IsTheFakesTime() => Guard.Run(() =>
    {
        var start = new DateTimeOffset(2030, 5, 1, 12, 0, 0, TimeSpan.Zero);
        var fake = new FakeTimeProvider(start);
        using var loop = new EventLoop(new TimeProviderClock(fake));

        fake.Advance(S(90));

        Assert.Equal(start + S(90), loop.TimeProvider.GetUtcNow());
        Assert.Equal(S(90), loop.Now);
    });

    [Fact]
    public void Advance_OnTheLoopThread_StepsSleepsScheduledChildrenAndTimers() => Guard.Run(() =>
    {
        var fake = new FakeTimeProvider();
        using var loop = new EventLoop(new TimeProviderClock(fake));
        var log = new EventLog(loop);

        loop.Run(async () =>
        {
            async Task Step(TimeSpan by) { fake.Advance(by); await loop.RunCurrentAsync(); } // Sleep(0) would depend on FIFO order

            await using var tm = new TaskManager(loop);
            tm.Spawn(async () => { await EventLoop.Sleep(S(1)); log.Add("slept"); });
            tm.Schedule(async () => log.Add("scheduled"), S(2));
            using var timer = loop.TimeProvider.CreateTimer(_ => log.Add("timer"), null, Ms(1500), Timeout.InfiniteTimeSpan);
            await loop.RunCurrentAsync(); // the child starts and sets its timer at t = 0, before time moves

            await Step(Ms(999));
            log.Add("step");
            await Step(Ms(1));
            await Step(Ms(500));
            await Step(Ms(500));
        });

        Assert.Equal(["0.999s step", "1s slept", "1.5s timer", "2s scheduled"], log.Entries);
    });

    [Fact]
    public void Advance_FromAnotherThreadWhileTheLoopIdles_WakesItExactlyAtTheDeadline() => Guard.Run(() =>
    {
        var fake = new FakeTimeProvider();
        using var loop = new EventLoop(new TimeProviderClock(fake));
        var loopThread = StartLoopThread(loop, async () =>
        {
            await EventLoop.Sleep(S(10));
            return loop.Now;
        }, out var result);

        Assert.True(LoopThreadWatch.WaitUntilBlocked(loopThread), "the loop never went idle");
        fake.Advance(Ms(9999));
        Assert.True(LoopThreadWatch.WaitUntilBlocked(loopThread), "the loop never went idle again");
        Assert.False(result.Task.IsCompleted, "the sleep ended before its deadline");
        fake.Advance(Ms(1));

        Assert.True(loopThread.Join(Guard.DefaultTimeout), "the loop was not woken by the advance");
        Assert.Equal(S(10), Blocking.Result(result.Task));
    });

    [Trait("Schedule", "Fifo")]
    [Fact]
    public void Advance_FromAnotherThreadInSteps_GivesTheSameEventsAsAVirtualClock()
    {
        var onVirtualTime = Virtual.Run(loop => Scenario.RunAsync(loop, onStep: null));

        var steppedByAFake = Guard.Run(() =>
        {
            var fake = new FakeTimeProvider();
            using var loop = new EventLoop(new TimeProviderClock(fake));
            var steps = new SemaphoreSlim(0);
            var ready = new SemaphoreSlim(0);
            var loopThread = StartLoopThread(loop, () => Scenario.RunAsync(loop, onStep: () => steps.Release(), onReady: () => ready.Release()), out var result);
            // Fake time does not wait for anyone: advance only once every timer of the scenario is set and the loop is
            // idle at t = 0 (on a loaded machine the loop thread may not even have started the scenario yet).
            Assert.True(ready.Wait(Guard.DefaultTimeout), "the scenario did not start");
            Assert.True(LoopThreadWatch.WaitUntilBlocked(loopThread), "the loop did not go idle");
            // Each half second: advance, then wait until the events of that instant have happened and the loop is idle
            // again, so no advance lands while the loop is still busy with the previous instant.
            foreach (var expectedEvents in Scenario.EventsAfterEachHalfSecond)
            {
                fake.Advance(Ms(500));
                for (var i = 0; i < expectedEvents; i++) Assert.True(steps.Wait(Guard.DefaultTimeout), "an expected event did not happen");
                Assert.True(LoopThreadWatch.WaitUntilBlocked(loopThread), "the loop did not go idle");
            }
            Assert.True(loopThread.Join(Guard.DefaultTimeout), "the scenario did not end");
            return Blocking.Result(result.Task);
        });

        Assert.Equal(Scenario.Expected, onVirtualTime);
        Assert.Equal(Scenario.Expected, steppedByAFake);
    }

    [Fact]
    public void LoopThread_OverAFake_SubmittedWorkEndsWhenTheTestAdvancesTime()
    {
        var fake = new FakeTimeProvider();
        using var host = new LoopThread(new TimeProviderClock(fake));
        var sleeping = new TaskCompletionSource();
        var answer = host.Submit(async ct =>
        {
            var nap = EventLoop.Sleep(TimeSpan.FromMinutes(5), ct);
            sleeping.SetResult(); // advance only once the timer is set: fake time does not wait for anyone
            await nap;
            return 42;
        });
        Blocking.Ended(sleeping.Task);

        fake.Advance(TimeSpan.FromMinutes(4));
        fake.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(42, Blocking.Result(answer));
        Assert.Equal(TimeSpan.FromMinutes(5), host.Loop.Now);
    }

    [Fact]
    public void Loop_OverTheSystemTimeProvider_SleepsInRealTime() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new TimeProviderClock(TimeProvider.System));
        var real = System.Diagnostics.Stopwatch.StartNew();

        loop.Run(() => EventLoop.Sleep(Ms(30)));

        Assert.True(real.Elapsed >= Ms(30), $"slept {real.Elapsed}");
        Assert.True(loop.Now >= Ms(30), $"loop time {loop.Now}");
    });

    /// <summary>Runs <paramref name="main"/> on a loop on a new thread; <paramref name="result"/> gets its outcome.</summary>
    private static Thread StartLoopThread<T>(EventLoop loop, Func<Task<T>> main, out TaskCompletionSource<T> result)
    {
        var outcome = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        result = outcome;
        var thread = new Thread(() =>
        {
            try { outcome.SetResult(loop.Run(main)); }
            catch (Exception e) { outcome.SetException(e); }
        }) { IsBackground = true, Name = "loop over a fake" };
        thread.Start();
        return thread;
    }

    /// <summary>
    /// Sleeps, a scheduled child, a loop.TimeProvider timer and a token source on loop time, all in one manager;
    /// returns the event log. Each event calls <c>onStep</c>.
    /// </summary>
    private static class Scenario
    {
        public static readonly string[] Expected =
        [
            "1s tick", "1.5s timer", "2s scheduled", "2s tick", "2.5s cancelled", "3s tick",
        ];

        /// <summary>How many events happen at 0.5 s, 1 s, … 3 s.</summary>
        public static readonly int[] EventsAfterEachHalfSecond = [0, 1, 1, 2, 1, 1];

        public static async Task<string[]> RunAsync(EventLoop loop, Action? onStep, Action? onReady = null)
        {
            var log = new ConcurrentQueue<string>();
            void Log(string what)
            {
                log.Enqueue(string.Create(CultureInfo.InvariantCulture, $"{loop.Now.TotalSeconds:0.###}s {what}"));
                onStep?.Invoke();
            }

            using var timer = loop.TimeProvider.CreateTimer(_ => Log("timer"), null, Ms(1500), Timeout.InfiniteTimeSpan);
            using var cts = new CancellationTokenSource(Ms(2500), loop.TimeProvider);
            await using (var tm = new TaskManager(loop))
            {
                tm.Spawn(async () =>
                {
                    for (var i = 0; i < 3; i++)
                    {
                        await EventLoop.Sleep(S(1));
                        Log("tick");
                    }
                });
                tm.Schedule(async () => Log("scheduled"), S(2));
                tm.Spawn(async () =>
                {
                    try { await EventLoop.Sleep(TimeSpan.FromHours(1), cts.Token); }
                    catch (OperationCanceledException) { Log("cancelled"); }
                });
                await EventLoop.Yield(); // both children have started and set their first timers
                onReady?.Invoke();
            }
            return [.. log];
        }
    }
}
