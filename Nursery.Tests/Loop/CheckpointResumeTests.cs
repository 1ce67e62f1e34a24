namespace Nursery.Tests.Loop;

/// <summary>
/// Where and when the code awaiting a <see cref="Checkpoint"/> resumes, and what the checkpoint reports meanwhile: under
/// the awaiting code's own context (not the context of the code that made the checkpoint), on the loop thread when it
/// registered from another thread, and at once when it registers after the checkpoint ended. Found by the mutation run
/// over Nursery/Loop (docs/testing.md): each test here kills mutants that no other test did.
/// </summary>
public class CheckpointResumeTests
{
    [Fact]
    public void Status_OfASleep_IsPendingUntilItSleptOrWasCancelled() => Virtual.Run(async loop =>
    {
        var sleep = EventLoop.Sleep(S(1));
        Assert.False(sleep.IsCompleted);
        Assert.False(sleep.IsCompletedSuccessfully);
        Assert.False(sleep.IsCanceled);
        await sleep;
        Assert.True(sleep.IsCompleted);
        Assert.True(sleep.IsCompletedSuccessfully);
        Assert.False(sleep.IsCanceled);

        using var cts = new CancellationTokenSource();
        var cut = EventLoop.Sleep(S(1), cts.Token);
        cts.Cancel(); // on the loop thread: the sleep ends at once
        Assert.True(cut.IsCompleted);
        Assert.False(cut.IsCompletedSuccessfully);
        Assert.True(cut.IsCanceled);
        var e = await Assert.ThrowsAsync<TaskCanceledException>(async () => await cut);
        Assert.Equal("The sleep was cancelled by the CancellationToken passed to EventLoop.Sleep.", e.Message);
        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void Status_OfAYieldAndOfTheDefaultCheckpoint()
    {
        var done = default(Checkpoint); // a checkpoint that has nothing to wait for
        Assert.True(done.IsCompleted);
        Assert.True(done.IsCompletedSuccessfully);
        Assert.False(done.IsCanceled);
        Assert.Same(Task.CompletedTask, done.AsTask());
        Assert.True(done.GetAwaiter().IsCompleted);

        Virtual.Run(async loop =>
        {
            var yield = EventLoop.Yield();
            Assert.False(yield.IsCompleted); // a yield completes only by being awaited
            Assert.False(yield.IsCompletedSuccessfully);
            Assert.False(yield.IsCanceled);
            await yield;
        });
    }

    [Fact]
    public void Sleep_LeftBehindByTheChildThatStartedIt_EndsCancelledSayingSo() => Virtual.Run(async loop =>
    {
        Task? loser = null;
        await using (var tm = new TaskManager(loop))
        {
            tm.Spawn(async () =>
            {
                loser = EventLoop.Sleep(S(5)).AsTask();
                await Task.WhenAny(loser, EventLoop.Sleep(S(1)));
            });
        }
        var e = await Assert.ThrowsAsync<TaskCanceledException>(() => loser!);
        Assert.Equal("The sleep was cancelled because the code that started it has ended.", e.Message);
        Assert.Equal(S(1), loop.Now); // the clock never went to the abandoned sleep's deadline
    });

    [Fact]
    public void Sleep_MadeInOneChildAndAwaitedInAnother_ResumesUnderTheAwaitingChildsContext() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var made = SpawnMaker(tm, () => EventLoop.Sleep(S(1)), S(2)); // the maker outlives the sleep it made
        var awaiting = tm.Spawn(async () =>
        {
            var sleep = await made;
            var own = SynchronizationContext.Current;
            await sleep;
            return (Same: ReferenceEquals(own, SynchronizationContext.Current), At: loop.Now);
        }, "awaiter");
        await tm.DisposeAsync();
        Assert.True(awaiting.Result.Same, "resumed under another child's context");
        Assert.Equal(S(1), awaiting.Result.At);
    });

    [Fact]
    public void Yield_MadeInOneChildAndAwaitedInAnother_ResumesUnderTheAwaitingChildsContext() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var made = SpawnMaker(tm, EventLoop.Yield, S(1));
        var awaiting = tm.Spawn(async () =>
        {
            var yield = await made;
            var own = SynchronizationContext.Current;
            await yield;
            return ReferenceEquals(own, SynchronizationContext.Current);
        }, "awaiter");
        await tm.DisposeAsync();
        Assert.True(awaiting.Result, "resumed under the maker's context");
    });

    [Fact]
    public void Yield_ConvertedToATaskInAnotherChild_CompletesUnderThatChildsContext() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var made = SpawnMaker(tm, EventLoop.Yield, S(1));
        var converting = tm.Spawn(async () =>
        {
            var yield = await made;
            var own = SynchronizationContext.Current;
            var completedUnder = await CompletedUnderAsync(yield);
            return ReferenceEquals(own, completedUnder);
        }, "converter");
        await tm.DisposeAsync();
        Assert.True(converting.Result, "the task completed under the maker's context");
    });

    [Fact]
    public void Yield_ConvertedToATaskOffTheLoop_CompletesUnderTheContextOfTheCodeThatMadeIt() => Virtual.Run(async loop =>
    {
        var yield = EventLoop.Yield();
        var own = SynchronizationContext.Current;
        Task<SynchronizationContext?>? completedUnder = null;
        Exception? failure = null;
        // Another thread, while the loop thread waits for it: the yield's work item is queued before the loop can run it.
        AnotherThread.Run(() => failure = Record.Exception(() => { completedUnder = CompletedUnderAsync(yield); }));
        Assert.Null(failure);
        Assert.Same(own, await completedUnder!);
    });

    [Fact]
    public void Sleep_AwaitedFromAnotherThread_ResumesOnTheLoopWhenItEnds() => Virtual.Run(async loop =>
    {
        var sleep = EventLoop.Sleep(S(1));
        var resumed = new TaskCompletionSource<(EventLoop? On, TimeSpan At)>();
        AnotherThread.Run(() => sleep.GetAwaiter().OnCompleted(() => resumed.SetResult((EventLoop.Current, loop.Now)))); // the loop thread waits: the registration reaches the loop through its inbox
        var (on, at) = await resumed.Task.WaitAsync(S(10), loop.TimeProvider);
        Assert.Same(loop, on);
        Assert.Equal(S(1), at);
    });

    [Fact]
    public void Sleep_ThatEnded_RunsAContinuationRegisteredAfterwardsOnTheNextTurn() => Virtual.Run(async loop =>
    {
        var sleep = EventLoop.Sleep(S(1));
        await sleep;
        var ran = new TaskCompletionSource<TimeSpan>();
        sleep.GetAwaiter().OnCompleted(() => ran.SetResult(loop.Now)); // an awaiter's OnCompleted does not check IsCompleted
        Assert.Equal(S(1), await ran.Task.WaitAsync(S(10), loop.TimeProvider));
    });

    /// <summary>Spawns a child "maker" that makes a checkpoint, hands it out, and stays alive for <paramref name="alive"/>.</summary>
    private static Task<Checkpoint> SpawnMaker(TaskManager tm, Func<Checkpoint> make, TimeSpan alive)
    {
        var made = new TaskCompletionSource<Checkpoint>();
        tm.Spawn(async () =>
        {
            made.SetResult(make());
            await EventLoop.Sleep(alive);
        }, "maker");
        return made.Task;
    }

    /// <summary>Converts the checkpoint to a task and reports the context its completion ran under.</summary>
    private static Task<SynchronizationContext?> CompletedUnderAsync(Checkpoint checkpoint) =>
        checkpoint.AsTask().ContinueWith(
            _ => SynchronizationContext.Current, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    [Fact]
    public void Sleep_UnsafeOnCompleted_ResumesOnTheLoopWithoutFlowingTheExecutionContext() => Virtual.Run(async loop =>
    {
        // UnsafeOnCompleted: the awaiter's path without the ExecutionContext, as custom awaiters and libraries use it.
        var resumed = new TaskCompletionSource<(EventLoop? On, TimeSpan At)>();
        EventLoop.Sleep(S(1)).GetAwaiter().UnsafeOnCompleted(() => resumed.SetResult((EventLoop.Current, loop.Now)));
        var (on, at) = await resumed.Task.WaitAsync(S(10), loop.TimeProvider);
        Assert.Same(loop, on);
        Assert.Equal(S(1), at);
    });

    [Fact]
    public void Yield_AwaitedFromAnotherThread_ResumesOnTheLoop() => Virtual.Run(async loop =>
    {
        var yield = EventLoop.Yield();
        var resumed = new TaskCompletionSource<EventLoop?>();
        AnotherThread.Run(() => yield.GetAwaiter().OnCompleted(() => resumed.SetResult(EventLoop.Current))); // the loop thread waits: the continuation reaches the loop through its inbox
        Assert.Same(loop, await resumed.Task.WaitAsync(S(10), loop.TimeProvider));
    });

    [Fact]
    public void Sleep_AsTask_IsOneTaskHoweverOftenItIsAsked() => Virtual.Run(async loop =>
    {
        var sleep = EventLoop.Sleep(S(1));
        var first = sleep.AsTask();
        Assert.Same(first, sleep.AsTask());
        await first;
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void Sleep_Cancelled_ThrowsTheSameExceptionObjectToEveryAwaitAndItsTask() => Virtual.Run(async loop =>
    {
        using var cts = new CancellationTokenSource();
        var sleep = EventLoop.Sleep(S(1), cts.Token);
        cts.Cancel();
        var first = await Assert.ThrowsAsync<TaskCanceledException>(async () => await sleep);
        var second = await Assert.ThrowsAsync<TaskCanceledException>(async () => await sleep);
        var fromTask = await Assert.ThrowsAsync<TaskCanceledException>(() => sleep.AsTask());
        Assert.Same(first, second);
        Assert.Same(first, fromTask);
    });

    [Fact]
    public void Sleep_TokenCancelledFromAnotherThread_EndsOnTheLoopSayingTheTokenDidIt() => Virtual.Run(async loop =>
    {
        using var cts = new CancellationTokenSource();
        var sleep = EventLoop.Sleep(S(10), cts.Token);
        AnotherThread.Run(cts.Cancel); // the cancellation reaches the loop through its inbox
        var e = await Assert.ThrowsAsync<TaskCanceledException>(async () => await sleep);
        Assert.Equal("The sleep was cancelled by the CancellationToken passed to EventLoop.Sleep.", e.Message);
        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });
}
