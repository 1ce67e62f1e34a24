using System.Runtime.CompilerServices;

namespace Nursery.Tests.Loop;

/// <summary>
/// Work that resumes through the cross-thread inbox on a VirtualClock (issue 10, item 5): counted in
/// EventLoop.CrossThreadResumes and the tree dump, and fatal under LoopOptions.StrictDeterminism, naming the child and
/// the cause.
/// </summary>
public class StrictDeterminismTests
{
    /// <summary>
    /// An await that surely completes on another thread: the task is completed by a new thread only once the awaiting
    /// code has registered its continuation, as a BCL call awaited with ConfigureAwait(false) would complete it.
    /// </summary>
    private sealed class CompletedOffTheLoop : ICriticalNotifyCompletion
    {
        private readonly TaskCompletionSource _completion = new();

        public CompletedOffTheLoop GetAwaiter() => this;

        public bool IsCompleted => false;

        public void GetResult() => _completion.Task.GetAwaiter().GetResult();

        public void OnCompleted(Action continuation) => UnsafeOnCompleted(continuation);

        public void UnsafeOnCompleted(Action continuation)
        {
            _completion.Task.GetAwaiter().UnsafeOnCompleted(continuation); // captures the loop's context, like any await
            new Thread(() => _completion.SetResult()) { IsBackground = true, Name = "io completion" }.Start();
        }
    }

    [Fact]
    public void CrossThreadResumes_CountsAnAwaitThatCameBackFromAnotherThread_AndTheDumpSaysSo()
    {
        var (count, dump) = Guard.Run(() =>
        {
            using var loop = new EventLoop(new VirtualClock(), new LoopOptions());
            return loop.Run(async () =>
            {
                Assert.Equal(0, loop.CrossThreadResumes);
                await new CompletedOffTheLoop();
                await EventLoop.Sleep(S(1)); // deterministic again from here: a timer of the loop
                return (loop.CrossThreadResumes, loop.DumpTree());
            });
        });
        Assert.Equal(1, count);
        Assert.StartsWith("EventLoop at t=1.000s (VirtualClock): running, 0 ready, 0 timers, 1 cross-thread resume (not deterministic)", dump);
    }

    [Fact]
    public void StrictDeterminism_WhenAChildResumesFromAnotherThread_FailsTheRunNamingTheChildAndTheCause()
    {
        ChildTask? fetcher = null;
        var e = Guard.Run(() =>
        {
            using var loop = new EventLoop(new VirtualClock(), new LoopOptions { StrictDeterminism = true });
            return Assert.Throws<LoopDeterminismException>(() => loop.Run(async () =>
            {
                await using var tm = new TaskManager(loop);
                fetcher = tm.Spawn(async () =>
                {
                    await EventLoop.Sleep(S(1));
                    await new CompletedOffTheLoop();
                    await EventLoop.Sleep(S(1));
                }, "fetcher");
            }));
        });

        Assert.Same(fetcher, e.Child);
        Assert.Equal(
            $"an await in a lambda in {nameof(StrictDeterminismTests)}.{nameof(StrictDeterminism_WhenAChildResumesFromAnotherThread_FailsTheRunNamingTheChildAndTheCause)} completed on thread \"io completion\"",
            e.Cause[..e.Cause.IndexOf(" (#", StringComparison.Ordinal)]);
        Assert.StartsWith($"Strict determinism (LoopOptions.StrictDeterminism): child #{fetcher!.Id} fetcher resumed from another thread: {e.Cause}", e.Message);
        // The message names every fix, and where the child was spawned.
        Assert.Contains(
            "through the loop's cross-thread inbox, so when it runs depends on real time, not on the VirtualClock, and the run " +
            "cannot be replayed. Keep the awaited work on the loop: take delays and timeouts from loop.TimeProvider, drop " +
            "ConfigureAwait(false) from loop code (and pass continueOnCapturedContext: true to libraries that take it), and " +
            "do not await Task.Run or real I/O in a virtual-time test.",
            e.Message);
        Assert.EndsWith($" The child was spawned at {fetcher.SpawnSite}.", e.Message);
        Assert.Equal(ChildTaskStatus.Cancelled, fetcher.Status); // the run was abandoned: nothing is left running
    }

    [Fact]
    public void StrictDeterminism_WhenMainResumesFromAnotherThread_NamesMainAndNoSpawnSite()
    {
        var e = Guard.Run(() =>
        {
            using var loop = new EventLoop(new VirtualClock(), new LoopOptions { StrictDeterminism = true });
            return Assert.Throws<LoopDeterminismException>(() => loop.Run(async () =>
            {
                await EventLoop.Sleep(S(1));
                await new CompletedOffTheLoop();
                await EventLoop.Sleep(S(1));
            }));
        });

        Assert.Null(e.Child);
        Assert.StartsWith($"Strict determinism (LoopOptions.StrictDeterminism): main (code of no child) resumed from another thread: {e.Cause}", e.Message);
        Assert.EndsWith("do not await Task.Run or real I/O in a virtual-time test.", e.Message);
    }

    [Fact]
    public void StrictDeterminism_OfAProgramThatStaysOnTheLoop_LetsItRun()
    {
        var (answer, resumes) = Guard.Run(() =>
        {
            using var loop = new EventLoop(new VirtualClock(), new LoopOptions { StrictDeterminism = true });
            var value = loop.Run(async () =>
            {
                ChildTask<int> child;
                await using (var tm = new TaskManager(loop))
                {
                    child = tm.Spawn(async () =>
                    {
                        await Task.Delay(S(5), loop.TimeProvider);
                        using var timeout = new CancellationTokenSource(S(1), loop.TimeProvider);
                        try { await EventLoop.Sleep(S(10), timeout.Token); } catch (OperationCanceledException) { }
                        await Task.Yield();
                        return 42;
                    });
                }
                return child.Result;
            });
            return (value, loop.CrossThreadResumes);
        });
        Assert.Equal(42, answer);
        Assert.Equal(0, resumes);
    }

    [Fact]
    public void CrossThreadResumes_OnASystemClock_AreNotCounted()
    {
        var count = Guard.Run(() =>
        {
            using var loop = new EventLoop(new SystemClock(), new LoopOptions { StrictDeterminism = true });
            loop.Run(async () => await new CompletedOffTheLoop());
            return loop.CrossThreadResumes;
        });
        Assert.Equal(0, count);
    }

    [Fact]
    public void StrictDeterminism_AfterARunThatViolatedIt_TheNextRunStartsClean()
    {
        Guard.Run(() =>
        {
            using var loop = new EventLoop(new VirtualClock(), new LoopOptions { StrictDeterminism = true });
            Assert.Throws<LoopDeterminismException>(() => loop.Run(async () => await new CompletedOffTheLoop()));
            Assert.Equal(7, loop.Run(async () =>
            {
                await EventLoop.Sleep(S(1));
                return 7;
            }));
        });
    }
}
