using Microsoft.Extensions.Time.Testing;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace Nursery.Tests.Loop;

/// <summary>EventLoop.Run: argument and state validation, rethrowing main's failure as-is, and abandoning leftovers.</summary>
public class RunTests
{
    [Fact]
    public void Run_NullMain_ThrowsArgumentNullExceptionAndLeavesTheLoopUsable() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        Assert.Equal("main", Assert.Throws<ArgumentNullException>(() => loop.Run(null!)).ParamName);
        Assert.Equal("main", Assert.Throws<ArgumentNullException>(() => loop.Run<int>(null!)).ParamName);
        Assert.False(loop.IsRunning);
        Assert.Equal(3, loop.Run(async () => 3));
    });

    [Fact]
    public void Run_MainReturnsNull_ThrowsInvalidOperationException() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
#pragma warning disable VSTHRD114 // Returning null instead of a task is the misuse under test.
        var e1 = Assert.Throws<InvalidOperationException>(() => loop.Run(() => null!));
        var e2 = Assert.Throws<InvalidOperationException>(() => loop.Run<int>(() => null!));
#pragma warning restore VSTHRD114
        Assert.Contains("returned null", e1.Message, StringComparison.Ordinal);
        Assert.Contains("returned null", e2.Message, StringComparison.Ordinal);
        Assert.False(loop.IsRunning);
        Assert.Null(EventLoop.Current);
    });

    [Fact]
    public void Run_OnADisposedLoop_ThrowsObjectDisposedException() => Guard.Run(() =>
    {
        var loop = new EventLoop(new VirtualClock());
        loop.Run(() => EventLoop.Sleep(S(1)));
        loop.Dispose();
        Assert.Throws<ObjectDisposedException>(() => loop.Run(() => Task.CompletedTask));
        Assert.Throws<ObjectDisposedException>(() => loop.Run(() => Task.FromResult(1)));
        Assert.False(loop.IsRunning);
    });

    [Fact]
    public void Dispose_DetachesTheLoopFromItsClock_SoALongLivedClockDoesNotKeepItAlive()
    {
        // A clock outlives its loops when tests share one, and a TimeProviderClock holds an alarm per loop: Dispose
        // detaches the loop. (The loop is not run here: a run queues a wake-up on the thread pool that holds the loop
        // until the pool gets to it, which would make this check depend on timing.)
        var clocks = new LoopClock[] { new VirtualClock(), new TimeProviderClock(new FakeTimeProvider()) };
        foreach (var clock in clocks)
        {
            var weak = CreateAndDispose(clock);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            Assert.False(weak.IsAlive, $"a disposed loop is still reachable from its {clock.GetType().Name}");
            GC.KeepAlive(clock);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        static WeakReference CreateAndDispose(LoopClock clock)
        {
            var loop = new EventLoop(clock);
            loop.Dispose();
            return new WeakReference(loop);
        }
    }

    [Fact]
    public void Dispose_CalledTwice_DoesNothingTheSecondTime() => Guard.Run(() =>
    {
        var loop = new EventLoop(new VirtualClock());
        loop.Dispose();
        loop.Dispose();
        Assert.Throws<ObjectDisposedException>(() => loop.Run(() => Task.CompletedTask));
    });

    [Fact]
    public void Dispose_FromInsideTheRunningLoop_ThrowsInvalidOperationExceptionAndTheLoopKeepsRunning() => Virtual.Run(async loop =>
    {
        var e = Assert.Throws<InvalidOperationException>(loop.Dispose);
        Assert.Contains("running", e.Message, StringComparison.Ordinal);
        await EventLoop.Sleep(S(1));
        Assert.True(loop.IsRunning);
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void Dispose_FromAnotherThreadWhileRunning_ThrowsInvalidOperationException() => Virtual.Run(async loop =>
    {
        var e = await Catch.OffLoopAsync(loop.Dispose);
        Assert.IsType<InvalidOperationException>(e);
        await EventLoop.Sleep(S(1)); // still a working loop
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void Run_NestedOnTheSameLoop_ThrowsInvalidOperationExceptionAndTheLoopIsUnharmed() => Virtual.Run(async loop =>
    {
        var context = SynchronizationContext.Current;
        var e1 = Assert.Throws<InvalidOperationException>(() => loop.Run(() => Task.CompletedTask));
        var e2 = Assert.Throws<InvalidOperationException>(() => loop.Run(() => Task.FromResult(1)));
        Assert.Contains("already running on this thread", e1.Message, StringComparison.Ordinal);
        Assert.Contains("already running on this thread", e2.Message, StringComparison.Ordinal);

        Assert.Same(loop, EventLoop.Current);
        Assert.Same(context, SynchronizationContext.Current);
        Assert.True(loop.IsRunning);
        await EventLoop.Sleep(S(1));
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void Run_OfAnotherLoopFromInsideALoop_ThrowsInvalidOperationExceptionAndTheOtherLoopStaysUsable() => Guard.Run(() =>
    {
        using var other = new EventLoop(new VirtualClock());
        using var loop = new EventLoop(new VirtualClock());
        loop.Run(async () =>
        {
            var e = Assert.Throws<InvalidOperationException>(() => other.Run(() => Task.CompletedTask));
            Assert.Contains("inside another event loop", e.Message, StringComparison.Ordinal);
            Assert.False(other.IsRunning);
            Assert.Same(loop, EventLoop.Current);
        });
        Assert.Equal(7, other.Run(async () => 7));
    });

    [Fact]
    public void Run_WhileRunningOnAnotherThread_ThrowsAndDoesNotDisturbTheRunningLoop() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        using var entered = new ManualResetEventSlim();
        var release = new TaskCompletionSource();
        var result = 0;
        ExceptionDispatchInfo? runnerFailure = null;
        var runner = new Thread(() =>
        {
            try
            {
                result = loop.Run(async () =>
                {
                    entered.Set();
                    await release.Task;
                    await EventLoop.Sleep(S(1));
                    return 42;
                });
            }
            catch (Exception e)
            {
                runnerFailure = ExceptionDispatchInfo.Capture(e);
            }
        }) { IsBackground = true };
        runner.Start();
        Assert.True(entered.Wait(Guard.DefaultTimeout));

        var e = Assert.Throws<InvalidOperationException>(() => loop.Run(() => Task.CompletedTask));
        Assert.Contains("already running on another thread", e.Message, StringComparison.Ordinal);
        Assert.Null(EventLoop.Current); // the failed attempt did not make this thread a loop thread
        Assert.True(loop.IsRunning);

        release.SetResult();
        Assert.True(runner.Join(Guard.DefaultTimeout));
        runnerFailure?.Throw();
        Assert.Equal(42, result);
        Assert.False(loop.IsRunning);
    });

    [Fact]
    public void Run_MainThrowsSynchronously_RethrowsTheSameObject() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        var boom = new Boom("sync");
        Assert.Same(boom, Record.Exception(() => loop.Run(() => throw boom)));
        Assert.Same(boom, Record.Exception(() => loop.Run<int>(() => throw boom)));
        Assert.False(loop.IsRunning);
    });

    [Fact]
    public void Run_MainThrowsAfterAnAwait_RethrowsTheSameObjectWithItsStackTrace() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        var e = Record.Exception(() => loop.Run(ThrowAfterSleepAsync));
        var boom = Assert.IsType<Boom>(e);
        Assert.Equal("async", boom.Tag);
        Assert.Contains(nameof(ThrowAfterSleepAsync), boom.StackTrace, StringComparison.Ordinal);

        var same = new Boom("generic");
        Assert.Same(same, Record.Exception(() => loop.Run<int>(async () =>
        {
            await EventLoop.Yield();
            throw same;
        })));
    });

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task ThrowAfterSleepAsync()
    {
        await EventLoop.Sleep(S(1));
        throw new Boom("async");
    }

    [Fact]
    public void Run_MainThrowsOperationCanceledException_RethrowsTheSameObject() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        var cancelled = new OperationCanceledException("mine");
        Assert.Same(cancelled, Record.Exception(() => loop.Run(async () =>
        {
            await EventLoop.Yield();
            throw cancelled;
        })));
    });

    [Fact]
    public void Run_ChildFails_RethrowsTheChildsExceptionObject() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        var boom = new Boom("child");
        var e = Record.Exception(() => loop.Run(async () =>
        {
            await using var tm = new TaskManager(loop);
            tm.Spawn(async () =>
            {
                await EventLoop.Sleep(S(1));
                throw boom;
            });
        }));
        Assert.Same(boom, e);
    });

    [Fact]
    public void Run_TwoChildrenFail_RethrowsTheSameAggregateExceptionThatDisposeAsyncThrew() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        Exception? fromDispose = null;
        var e = Record.Exception(() => loop.Run(async () =>
        {
            try
            {
                await using var tm = new TaskManager(loop);
                // Both wake in the same timer phase, so b is already past its checkpoint when a's failure cancels it.
                tm.Spawn(() => Failing.AfterAsync(S(1), new Boom("a")));
                tm.Spawn(() => Failing.AfterAsync(S(1), new Boom("b")));
            }
            catch (Exception caught)
            {
                fromDispose = caught;
                throw;
            }
        }));
        var aggregate = Assert.IsType<AggregateException>(e);
        Assert.Same(fromDispose, aggregate);
        Assert.Equal(["a", "b"], aggregate.InnerExceptions.Select(x => ((Boom)x).Tag).Order()); // in the order they failed
    });

    [Fact]
    public void Run_MainFaultedWithSeveralExceptions_ThrowsThemAllInAnAggregateException() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        var first = new Boom("first");
        var second = new Boom("second");
        var e = Record.Exception(() => loop.Run(() => Task.WhenAll(Failing.AfterAsync(S(1), first), Failing.AfterAsync(S(1), second))));
        var aggregate = Assert.IsType<AggregateException>(e);
        // Nothing dropped, unlike 'await' (in the order the two failed, which is the schedule's).
        Assert.Equal([first, second], aggregate.InnerExceptions.OrderBy(e => ((Boom)e).Tag));
    });

    // Code the loop calls directly (not through a task) has nobody else to report to: its exception ends Run,
    // like an unhandled exception in a UI message loop, rather than being swallowed.

    [Fact]
    public void Run_PostedCallbackThrows_RethrowsTheSameObject() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        var boom = new Boom("posted");
        var e = Record.Exception(() => loop.Run(async () =>
        {
            SynchronizationContext.Current!.Post(_ => throw boom, null);
            await EventLoop.Sleep(S(1));
        }));
        Assert.Same(boom, e);
        Assert.Equal(5, loop.Run(async () => 5)); // and the loop runs again
    });

    [Fact]
    public void Run_TimeProviderTimerCallbackThrows_RethrowsTheSameObject() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        var boom = new Boom("timer callback");
        var e = Record.Exception(() => loop.Run(async () =>
        {
            using var timer = loop.TimeProvider.CreateTimer(_ => throw boom, null, S(1), Timeout.InfiniteTimeSpan);
            await EventLoop.Sleep(S(2));
        }));
        Assert.Same(boom, e);
    });

    [Fact]
    public void Run_AsyncVoidMethodOnTheLoopThrows_RethrowsTheSameObject() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        var boom = new Boom("async void");
        var e = Record.Exception(() => loop.Run(async () =>
        {
            FireAndForget(boom);
            await EventLoop.Sleep(S(5));
        }));
        Assert.Same(boom, e);
        Assert.Equal(S(1), loop.Now); // Run ended when the exception arrived, not after main's sleep
    });

#pragma warning disable VSTHRD100 // An async void method is the scenario: its exception goes to the loop's context.
    private static async void FireAndForget(Boom boom)
    {
        await EventLoop.Sleep(S(1));
        throw boom;
    }
#pragma warning restore VSTHRD100

    [Fact]
    public void Run_ReturnsWhileTimersAndReadyWorkArePending_AbandonsThemAndCanRunAgain() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        Task? orphanSleep = null;
        var chainLinks = 0;
        var timerFired = false;

        loop.Run(async () =>
        {
            var context = SynchronizationContext.Current!;
            void Link(object? _)
            {
                chainLinks++;
                context.Post(Link, null);
            }
            orphanSleep = EventLoop.Sleep(TimeSpan.FromHours(1));
            _ = loop.TimeProvider.CreateTimer(_ => timerFired = true, null, TimeSpan.FromMinutes(30), Timeout.InfiniteTimeSpan);
            context.Post(Link, null);
            await EventLoop.Yield();
        });

        Assert.Equal(TimeSpan.Zero, loop.Now); // Run returned at once: it did not wait for (or jump to) the timers
        Assert.False(loop.IsRunning);
        Assert.False(orphanSleep!.IsCompleted);
        var linksAfterFirstRun = chainLinks;
        Assert.InRange(linksAfterFirstRun, 0, 1); // at most one link ran before main ended (none if main's turn came first)

        var second = loop.Run(async () =>
        {
            await EventLoop.Sleep(TimeSpan.FromHours(2));
            return loop.Now;
        });

        Assert.Equal(TimeSpan.FromHours(2), second);
        Assert.Equal(linksAfterFirstRun, chainLinks); // the abandoned chain never ran again
        Assert.False(orphanSleep.IsCompleted);         // the abandoned sleep never fired, even after its deadline
        Assert.False(timerFired);
    });

    [Fact]
    public void Run_AfterAFailedRun_RunsAgainNormally() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        Assert.IsType<Boom>(Record.Exception(() => loop.Run(async () =>
        {
            await using var tm = new TaskManager(loop);
            tm.Spawn(() => EventLoop.Sleep(TimeSpan.FromHours(1)));
            throw new Boom("first run");
        })));
        Assert.Equal(5, loop.Run(async () =>
        {
            await EventLoop.Yield();
            return 5;
        }));
    });

    [Fact]
    public void Run_MainCompletesOnAnotherThread_StillReturns() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
#pragma warning disable xUnit1030 // ConfigureAwait(false) is the point: main's last step runs on the thread pool.
        var result = loop.Run(async () =>
        {
            await Task.Delay(Ms(5)).ConfigureAwait(false);
            return EventLoop.Current is null ? "ended off the loop" : "ended on the loop";
        });
#pragma warning restore xUnit1030
        Assert.Equal("ended off the loop", result);
    });

    [Fact]
    public void Run_AfterReturningOrThrowing_RestoresTheCallersSynchronizationContext() => Guard.Run(() =>
    {
        var callers = new SynchronizationContext();
        SynchronizationContext.SetSynchronizationContext(callers);
        using var loop = new EventLoop(new VirtualClock());
        SynchronizationContext? inside = null;

        loop.Run(async () => inside = SynchronizationContext.Current);
        Assert.Same(callers, SynchronizationContext.Current);
        Assert.NotNull(inside);
        Assert.NotSame(callers, inside);

        Assert.Throws<Boom>(() => loop.Run(async () =>
        {
            await EventLoop.Yield();
            throw new Boom("x");
        }));
        Assert.Same(callers, SynchronizationContext.Current);
        Assert.Null(EventLoop.Current);
    });
}
