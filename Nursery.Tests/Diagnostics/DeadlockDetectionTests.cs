using System.Diagnostics;

namespace Nursery.Tests.Diagnostics;

/// <summary>
/// Deadlock and livelock detection (contract section 8): EventLoop.Run on a VirtualClock throws LoopDeadlockException
/// with the tree instead of hanging, and never does while work off the loop is going to post back in time, on a host's
/// loop, or on a real clock. Timeouts are short real times; the "no false positive" cases make the outside work take
/// several times the timeout where the detector would have fired.
/// </summary>
[Collection(RunsAlone.Name)] // real-time windows: measured without the parallel tests competing for the CPU
public class DeadlockDetectionTests
{
    private static readonly TimeSpan Short = Ms(200);

    private static LoopDeadlockException RunExpectingDeadlock(LoopOptions options, Func<EventLoop, Task> main, LoopClock? clock = null) =>
        Guard.Run(() =>
        {
            using var loop = new EventLoop(clock ?? new VirtualClock(), options);
            return Assert.Throws<LoopDeadlockException>(() => loop.Run(() => main(loop)));
        });

    [Fact]
    public void Run_AwaitingAnAsyncEventNobodySets_ThrowsLoopDeadlockExceptionWithTheTree()
    {
        var stopwatch = Stopwatch.StartNew();
        var e = RunExpectingDeadlock(new LoopOptions { DeadlockTimeout = Short }, async loop =>
        {
            var ready = new AsyncEvent(loop);
            await using var tm = new TaskManager(loop);
            tm.Spawn(async () =>
            {
                await EventLoop.Sleep(S(1));
                await ready.WaitAsync(); // the mistake: nothing ever calls ready.Set()
            }, "consumer");
        });

        Assert.True(stopwatch.Elapsed >= Short, "detected only after the timeout of real time");
        Assert.StartsWith("Deadlock: main has not finished", e.Message);
        // No timer is pending, so nothing is said about one: the sentence goes straight on to the diagnosis.
        Assert.Contains("nothing came from another thread for 0.2s of real time (LoopOptions.DeadlockTimeout). Something waits", e.Message);
        Assert.Contains("#1 consumer: Running, waiting on an AsyncEvent", e.Tree);
        // The message names the fix for a slow but live wait, and ends with the tree.
        Assert.Contains(
            "Something waits for an event, a task or a child that nothing left will complete. If work off the loop (a socket, " +
            "the thread pool) takes longer than that to post back, raise LoopOptions.DeadlockTimeout. The task tree:\n" + e.Tree,
            e.Message);
        Assert.StartsWith("EventLoop at t=1.000s (VirtualClock): running, 0 ready, 0 timers", e.Tree);
        Assert.Null(e.Child);
    }

    [Fact]
    public void Run_WithTheDefaultOptions_DetectsADeadlockAfterFiveSeconds()
    {
        Assert.Equal(S(5), new LoopOptions().DeadlockTimeout);
        var stopwatch = Stopwatch.StartNew();
        var e = Guard.Run(() =>
        {
            using var loop = new EventLoop(new VirtualClock());
            return Assert.Throws<LoopDeadlockException>(() => loop.Run(() => new TaskCompletionSource().Task));
        });
        Assert.True(stopwatch.Elapsed >= S(5));
        Assert.Contains("(no open TaskManager)", e.Tree);
    }

    [Fact]
    public void Run_SleepingForeverWithNothingElseToDo_IsADeadlock()
    {
        var e = RunExpectingDeadlock(new LoopOptions { DeadlockTimeout = Short }, async loop =>
        {
            await using var tm = new TaskManager(loop);
            tm.Spawn(() => EventLoop.Sleep(TimeSpan.MaxValue), "forever");
        });
        Assert.Contains("forever: Running", e.Tree);
    }

    [Fact]
    public void Run_WithAutoJumpOffAndNobodyAdvancing_IsADeadlockThatSaysSo()
    {
        var e = RunExpectingDeadlock(new LoopOptions { DeadlockTimeout = Short }, async loop =>
        {
            await EventLoop.Sleep(S(30));
        }, new VirtualClock { AutoJump = false });
        Assert.Contains("A timer is pending at t=30s but the clock's AutoJump is off and nothing advanced it", e.Message);
    }

    [Fact]
    public void Run_WhileThreadPoolWorkPostsBackWithinTheTimeout_DoesNotReportADeadlock()
    {
        var result = Guard.Run(() =>
        {
            using var loop = new EventLoop(new VirtualClock(), new LoopOptions { DeadlockTimeout = S(3) });
            return loop.Run(async () =>
            {
                // Off-loop work that takes several times the short timeout of the other tests, but less than this one.
                var answer = await Task.Run(() => { Thread.Sleep(Short * 3); return 42; });
                await EventLoop.Sleep(S(1));
                return answer;
            });
        });
        Assert.Equal(42, result);
    }

    [Fact]
    public void Run_WhenOffLoopWorkTakesLongerThanTheTimeout_CountsItAsADeadlock()
    {
        using var release = new ManualResetEventSlim();
        try
        {
            var e = RunExpectingDeadlock(new LoopOptions { DeadlockTimeout = Short }, async _ =>
            {
                await Task.Run(release.Wait); // posts back only after the detector gave up: documented as a deadlock
            });
            Assert.StartsWith("Deadlock:", e.Message);
        }
        finally
        {
            release.Set();
        }
    }

    /// <summary>Runs a main that waits for a thread which answers after three times the short timeout.</summary>
    private static int RunWaitingForASlowThread(LoopClock clock, LoopOptions options) =>
        Guard.Run(() =>
        {
            using var loop = new EventLoop(clock, options);
            return loop.Run(async () =>
            {
                var answer = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
                var thread = new Thread(() => { Thread.Sleep(Short * 3); answer.SetResult(1); }) { IsBackground = true };
                thread.Start();
                return await answer.Task;
            });
        });

    [Fact]
    public void DeadlockTimeout_Null_TurnsDetectionOff() =>
        Assert.Equal(1, RunWaitingForASlowThread(new VirtualClock(), new LoopOptions { DeadlockTimeout = null }));

    [Fact]
    public void Run_OnASystemClock_IsNeverReportedAsDeadlocked() =>
        Assert.Equal(1, RunWaitingForASlowThread(new SystemClock(), new LoopOptions { DeadlockTimeout = Short }));

    [Fact]
    public void LoopThread_OnAVirtualClock_WaitsForSubmissionsWithoutReportingADeadlock()
    {
        Guard.Run(() =>
        {
            using var host = new LoopThread(new LoopOptions { DeadlockTimeout = Short }, new VirtualClock());
            host.EnsureRunning();
            Thread.Sleep(Short * 3); // the host's loop sits idle, waiting for work, well past the timeout
            Assert.Equal(LoopHostState.Running, host.State);
            Assert.Equal(7, host.Submit(async _ => { await EventLoop.Sleep(S(1)); return 7; }).GetAwaiter().GetResult());
        });
    }

    [Fact]
    public void Run_CancelledChildThatCatchesItsCancellationAndLoops_IsALivelockNamingTheChild()
    {
        ChildTask? spinner = null;
        var e = RunExpectingDeadlock(new LoopOptions { DeadlockTimeout = Short }, async loop =>
        {
            await using var tm = new TaskManager(loop);
            spinner = tm.Spawn(async () =>
            {
                while (true)
                {
                    try { await EventLoop.Sleep(S(1)); }
                    catch (OperationCanceledException) { } // the mistake: swallow the cancellation and go round again
                }
            }, "poller");
            await EventLoop.Sleep(S(2.5));
            tm.Cancel();
        });

        Assert.Same(spinner, e.Child);
        Assert.StartsWith($"Livelock: child #{spinner!.Id} poller was cancelled ({spinner.Context.Cause!.Message}) but keeps running", e.Message);
        Assert.Contains("while virtual time stood still at t=2.5s", e.Message);
        // The message names the fix, where the child was spawned, and ends with the tree.
        Assert.Contains(
            "A child that catches OperationCanceledException and loops never ends, and a virtual clock does not move while the " +
            "loop is busy. Let the cancellation propagate (rethrow it), or leave the loop once the token is cancelled.",
            e.Message);
        Assert.Contains($" The child was spawned at {spinner.SpawnSite}.", e.Message);
        Assert.EndsWith(" The task tree:\n" + e.Tree, e.Message);
        Assert.Contains("poller: Running", e.Tree);
    }

    [Fact]
    public void Run_BusyWithoutACancelledChildForLongerThanTheTimeout_IsNotReported()
    {
        Guard.Run(() =>
        {
            using var loop = new EventLoop(new VirtualClock(), new LoopOptions { DeadlockTimeout = Short });
            loop.Run(async () =>
            {
                // Heavy work that yields now and then: virtual time stands still, but nothing was cancelled.
                var busy = Stopwatch.StartNew();
                while (busy.Elapsed < Short * 3) await EventLoop.Yield();
            });
        });
    }

    [Fact]
    public void Run_AfterADeadlock_AbandonsTheTreeAndTheLoopRunsAgain()
    {
        Guard.Run(() =>
        {
            using var loop = new EventLoop(new VirtualClock(), new LoopOptions { DeadlockTimeout = Short });
            ChildTask? stuck = null;
            Assert.Throws<LoopDeadlockException>(() => loop.Run(async () =>
            {
                var tm = new TaskManager(loop);
                stuck = tm.Spawn(() => new TaskCompletionSource().Task);
                await tm.DisposeAsync();
            }));
            Assert.Equal(ChildTaskStatus.Cancelled, stuck!.Status);
            Assert.Equal(3, loop.Run(async () => { await EventLoop.Sleep(S(1)); return 3; }));
        });
    }
}
