using Nito.AsyncEx;

namespace Nursery.Tests.Interop;

/// <summary>
/// Nito.AsyncEx.Coordination 5.1.2 inside TaskManager children (issue 12, item 7): waiters are cancelled when a sibling
/// fails (given the child's token), no lock or permit is left held, and the event log is the same on every run of a
/// VirtualClock — for the waits that Nito completes on the loop. The waits Nito completes on the thread pool are
/// pinned down too, since the guide tells users to avoid them on a virtual clock.
/// </summary>
public class NitoAsyncExTests
{
    /// <summary>Runs of each scenario: every one must give the same log.</summary>
    private const int Runs = 20;

    [Trait("Schedule", "Fifo")]
    [Fact]
    public void AsyncLock_SiblingFailsWhileOneHoldsItAndTwoWait_WaitersAreCancelledAndTheLockIsFree()
    {
        AsyncLock? theLock = null;
        var log = SameLogEveryRun((loop, log) =>
        {
            theLock = new AsyncLock();
            var lockRef = theLock;
            return HoldersAndAFailingSiblingAsync(loop, log, ct => lockRef.LockAsync(ct).AsTask(), "holder", "waiter 1", "waiter 2");
        });

        Assert.Equal(
            ["0s holder in", "1s holder cancelled", "1s waiter 1 cancelled", "1s waiter 2 cancelled", "1s join threw boom: sibling"],
            log);
        Assert.True(theLock!.LockAsync().AsTask().IsCompleted, "the lock is still held after the join");
    }

    [Trait("Schedule", "Fifo")]
    [Fact]
    public void AsyncLock_HolderFailingInsideIt_HandsItToTheNextWaiterWhichSeesTheCancellationAtItsNextCheckpoint()
    {
        // `using` releases the lock while the exception leaves the block, before the failure reaches the manager: the
        // release hands the lock to the first waiter at once (Nito completes its wait right there). That waiter then
        // runs until its first checkpoint, where the cancellation caused by the failure stops it; the others are
        // cancelled while still waiting.
        AsyncLock? theLock = null;
        var log = SameLogEveryRun(async (loop, log) =>
        {
            theLock = new AsyncLock();
            var lockRef = theLock;
            var failure = await Catch.ExceptionAsync(async () =>
            {
                await using var tm = new TaskManager(loop);
                tm.Spawn(async ct =>
                {
                    using (await lockRef.LockAsync(ct))
                    {
                        log.Add("holder locked");
                        await EventLoop.Sleep(S(1));
                        throw new Boom("holder");
                    }
                });
                foreach (var name in new[] { "waiter 1", "waiter 2" })
                {
                    tm.Spawn(async ct =>
                    {
                        try
                        {
                            using (await lockRef.LockAsync(ct))
                            {
                                log.Add($"{name} locked");
                                await EventLoop.Yield();
                                log.Add($"{name} worked");
                            }
                        }
                        catch (OperationCanceledException)
                        {
                            log.Add($"{name} cancelled");
                            throw;
                        }
                    });
                }
            });
            log.Add($"join threw {failure?.Message}");
        });

        Assert.Equal(
            ["0s holder locked", "1s waiter 1 locked", "1s waiter 2 cancelled", "1s waiter 1 cancelled", "1s join threw boom: holder"],
            log);
        Assert.True(theLock!.LockAsync().AsTask().IsCompleted, "the lock is still held after the join");
    }

    [Trait("Schedule", "Fifo")]
    [Fact]
    public void AsyncLock_ChildrenTakingTurns_HoldItOneAtATimeInArrivalOrder()
    {
        var log = SameLogEveryRun(async (loop, log) =>
        {
            var theLock = new AsyncLock();
            await using var tm = new TaskManager(loop);
            foreach (var name in new[] { "a", "b", "c" })
            {
                tm.Spawn(async ct =>
                {
                    using (await theLock.LockAsync(ct))
                    {
                        log.Add($"{name} in");
                        await EventLoop.Sleep(S(1));
                        log.Add($"{name} out");
                    }
                });
            }
        });

        Assert.Equal(["0s a in", "1s a out", "1s b in", "2s b out", "2s c in", "3s c out"], log);
    }

    [Trait("Schedule", "Fifo")]
    [Fact]
    public void AsyncSemaphore_AsAThrottle_RunsTwoAtATimeAndASiblingFailureCancelsTheWaitersAndReturnsEveryPermit()
    {
        AsyncSemaphore? semaphore = null;
        var log = SameLogEveryRun(async (loop, log) =>
        {
            semaphore = new AsyncSemaphore(2);
            var permits = semaphore;
            var failure = await Catch.ExceptionAsync(async () =>
            {
                await using var tm = new TaskManager(loop);
                for (var i = 1; i <= 5; i++)
                {
                    var n = i;
                    tm.Spawn(async ct =>
                    {
                        try
                        {
                            await permits.WaitAsync(ct);
                        }
                        catch (OperationCanceledException)
                        {
                            log.Add($"#{n} cancelled waiting");
                            throw;
                        }
                        try
                        {
                            log.Add($"#{n} runs");
                            await EventLoop.Sleep(S(1));
                            log.Add($"#{n} done");
                        }
                        finally
                        {
                            permits.Release();
                        }
                    });
                }
                tm.Spawn(async () => { await EventLoop.Sleep(Ms(1500)); throw new Boom("sibling"); });
            });
            log.Add($"join threw {failure?.Message}");
        });

        Assert.Equal(
            ["0s #1 runs", "0s #2 runs", "1s #1 done", "1s #2 done", "1s #3 runs", "1s #4 runs", "1.5s #5 cancelled waiting",
             "1.5s join threw boom: sibling"],
            log);
        Assert.Equal(2, semaphore!.CurrentCount);
    }

    [Fact]
    public void AsyncManualResetEvent_WaitAsyncWithoutAToken_ResumesTheWaiterOnTheLoopBeforeTimeMoves()
    {
        var log = SameLogEveryRun((loop, log) =>
        {
            var ready = new AsyncManualResetEvent();
            return WaiterAndASetterThatSleepsAsync(loop, log, _ => ready.WaitAsync(), ready.Set);
        });

        Assert.Equal(["0s waiter resumed", "1s setter slept"], log);
    }

    [Fact]
    public void AsyncManualResetEvent_WaitAsyncWithAToken_IsCancelledWhenASiblingFailsAndNoChildIsLeftRunning() => Virtual.Run(async loop =>
    {
        var never = new AsyncManualResetEvent();
        var tm = new TaskManager(loop);
        var waiter = tm.Spawn(ct => never.WaitAsync(ct));
        tm.Spawn(async () => { await EventLoop.Sleep(S(1)); throw new Boom("sibling"); });

        var failure = await Catch.ExceptionAsync(() => tm.DisposeAsync().AsTask());

        Assert.Equal("sibling", Assert.IsType<Boom>(failure).Tag);
        Assert.Equal(ChildTaskStatus.Cancelled, waiter.Status);
        Assert.All(tm.Children, child => Assert.NotEqual(ChildTaskStatus.Running, child.Status));
    });

    [Trait("Schedule", "Fifo")]
    [Fact]
    public void AsyncMonitor_SiblingFailsWhileOneIsInsideAndOneWaitsToEnter_BothAreCancelledAndTheMonitorIsFree()
    {
        AsyncMonitor? monitor = null;
        var log = SameLogEveryRun((loop, log) =>
        {
            monitor = new AsyncMonitor();
            var guard = monitor;
            return HoldersAndAFailingSiblingAsync(loop, log, ct => guard.EnterAsync(ct).AsTask(), "holder", "waiter");
        });

        Assert.Equal(["0s holder in", "1s holder cancelled", "1s waiter cancelled", "1s join threw boom: sibling"], log);
        Assert.True(monitor!.EnterAsync().AsTask().IsCompleted, "the monitor is still held after the join");
    }

    [Fact]
    public void AsyncMonitor_WaitAsyncWaitersOfAFailingSibling_AreCancelledAndNothingHoldsTheMonitor() => Virtual.Run(async loop =>
    {
        var monitor = new AsyncMonitor();
        var tm = new TaskManager(loop);
        for (var i = 0; i < 3; i++)
        {
            tm.Spawn(async ct =>
            {
                using (await monitor.EnterAsync(ct)) await monitor.WaitAsync(ct); // nobody pulses
            });
        }
        tm.Spawn(async () => { await EventLoop.Sleep(S(1)); throw new Boom("sibling"); });

        var failure = await Catch.ExceptionAsync(() => tm.DisposeAsync().AsTask());

        Assert.IsType<Boom>(failure);
        Assert.Equal(3, tm.Children.Count(child => child.Status == ChildTaskStatus.Cancelled));
        Assert.True(monitor.EnterAsync().AsTask().IsCompleted, "a cancelled waiter left the monitor held");
    });

    // Where Nito completes a wait: the releasing call completes these synchronously, on the loop, so the awaiting
    // child resumes through the loop's own queue. These three facts are what makes the scenarios above deterministic.

    [Fact]
    public void LoopLocalWaits_AreCompletedByTheReleasingCallItself() => Virtual.Run(async loop =>
    {
        var theLock = new AsyncLock();
        var key = await theLock.LockAsync();
        var lockWait = theLock.LockAsync(CancellationToken.None).AsTask();
        key.Dispose();
        Assert.True(lockWait.IsCompleted, "AsyncLock.LockAsync");
        (await lockWait).Dispose();

        var semaphore = new AsyncSemaphore(0);
        var semaphoreWait = semaphore.WaitAsync(CancellationToken.None);
        semaphore.Release();
        Assert.True(semaphoreWait.IsCompleted, "AsyncSemaphore.WaitAsync");

        var signal = new AsyncManualResetEvent();
        var eventWait = signal.WaitAsync();
        signal.Set();
        Assert.True(eventWait.IsCompleted, "AsyncManualResetEvent.WaitAsync()");

        var monitor = new AsyncMonitor();
        var entered = await monitor.EnterAsync();
        var enterWait = monitor.EnterAsync(CancellationToken.None).AsTask();
        entered.Dispose();
        Assert.True(enterWait.IsCompleted, "AsyncMonitor.EnterAsync");
        (await enterWait).Dispose();
    });

    // And these are completed on the thread pool (Nito awaits with ConfigureAwait(false) inside), so the waiter
    // resumes through the loop's inbox at a moment decided by thread timing, and a virtual clock may jump first.

    [Fact]
    public void AsyncManualResetEvent_WaitAsyncWithAToken_IsCompletedOffTheLoopThread() => Virtual.Run(async loop =>
    {
        var signal = new AsyncManualResetEvent();
        using var cts = new CancellationTokenSource();
        var completedOn = CompletingThreadAsync(signal.WaitAsync(cts.Token)); // watched before it can complete

        signal.Set();

        Assert.NotEqual(Environment.CurrentManagedThreadId, await completedOn);
    });

    [Fact]
    public void AsyncMonitor_WaitAsync_IsCompletedOffTheLoopThread() => Virtual.Run(async loop =>
    {
        var monitor = new AsyncMonitor();
        var entered = await monitor.EnterAsync();
        var completedOn = CompletingThreadAsync(monitor.WaitAsync()); // watched before it can complete
        using (await monitor.EnterAsync()) monitor.Pulse();

        Assert.NotEqual(Environment.CurrentManagedThreadId, await completedOn);
        entered.Dispose(); // the wait re-took the monitor for this code; give it back
    });

    [Fact]
    public void AsyncEvent_AsTheCancellableReplacement_ResumesTheWaiterOnTheLoopBeforeTimeMoves()
    {
        var log = SameLogEveryRun((loop, log) =>
        {
            var ready = new AsyncEvent(loop);
            return WaiterAndASetterThatSleepsAsync(loop, log, ready.WaitAsync, ready.Set);
        });

        Assert.Equal(["0s waiter resumed", "1s setter slept"], log);
    }

    /// <summary>
    /// A child waits with <paramref name="wait"/>; its sibling calls <paramref name="set"/> on its first turn and then
    /// sleeps a second. A waiter that resumes through the loop's queue logs at 0 s; one that comes back from the
    /// thread pool may find the clock already jumped.
    /// </summary>
    private static async Task WaiterAndASetterThatSleepsAsync(EventLoop loop, EventLog log, Func<CancellationToken, Task> wait, Action set)
    {
        await using var tm = new TaskManager(loop);
        tm.Spawn(async ct => { await wait(ct); log.Add("waiter resumed"); });
        tm.Spawn(async () =>
        {
            await EventLoop.Yield();
            set();
            await EventLoop.Sleep(S(1));
            log.Add("setter slept");
        });
    }

    /// <summary>
    /// One child per name takes what <paramref name="acquire"/> gives (the first gets it, the others wait with their
    /// tokens) and keeps it for 10 s; a sibling fails at 1 s. Logs who got in, who was cancelled, and the join's failure.
    /// </summary>
    private static async Task HoldersAndAFailingSiblingAsync(
        EventLoop loop, EventLog log, Func<CancellationToken, Task<IDisposable>> acquire, params string[] names)
    {
        var failure = await Catch.ExceptionAsync(async () =>
        {
            await using var tm = new TaskManager(loop);
            foreach (var name in names)
            {
                tm.Spawn(async ct =>
                {
                    try
                    {
                        using (await acquire(ct))
                        {
                            log.Add($"{name} in");
                            await EventLoop.Sleep(S(10));
                        }
                    }
                    catch (OperationCanceledException)
                    {
                        log.Add($"{name} cancelled");
                        throw;
                    }
                });
            }
            tm.Spawn(async () => { await EventLoop.Sleep(S(1)); throw new Boom("sibling"); });
        });
        log.Add($"join threw {failure?.Message}");
    }

    /// <summary>Runs <paramref name="scenario"/> <see cref="Runs"/> times on fresh virtual loops; every log must be the same.</summary>
    private static IReadOnlyList<string> SameLogEveryRun(Func<EventLoop, EventLog, Task> scenario)
    {
        IReadOnlyList<string>? first = null;
        for (var run = 0; run < Runs; run++)
        {
            var entries = Virtual.Run(async loop =>
            {
                var log = new EventLog(loop);
                await scenario(loop, log);
                return log.Entries;
            });
            if (first is null) first = entries;
            else Assert.True(first.SequenceEqual(entries), $"run {run} differs:\n{string.Join("\n", entries)}\nfrom run 0:\n{string.Join("\n", first)}");
        }
        return first!;
    }

    /// <summary>The thread that completes <paramref name="task"/> (a continuation that runs on it, synchronously).</summary>
    private static Task<int> CompletingThreadAsync(Task task) =>
        task.ContinueWith(_ => Environment.CurrentManagedThreadId, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
