using System.Runtime.CompilerServices;

namespace Nursery.Tests.Loop;

/// <summary>
/// What <see cref="EventLoop.Sleep(TimeSpan)"/> and <see cref="EventLoop.Yield"/> return (a <see cref="Checkpoint"/>, whose
/// awaiter is the runtime's <see cref="ValueTaskAwaiter"/>) still does everything a Task did (contract section 9), and
/// a child whose body awaits checkpoints still ends exactly when its body does, wherever the body's last step runs.
/// </summary>
public class CheckpointAwaitableTests
{
    private static readonly AsyncLocal<string> s_local = new();

    [Fact]
    public void Sleep_AsTheBodyOfAFuncTask_RunsAsAChild() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(() => EventLoop.Sleep(S(2)));
        await tm.DisposeAsync();
        Assert.Equal(ChildTaskStatus.Completed, child.Status);
        Assert.Equal(S(2), loop.Now);
    });

    [Fact]
    public void Sleep_InWhenAny_LosesToAnEarlierSleepAndIsLeftBehind() => Virtual.Run(async loop =>
    {
        var winner = await Task.WhenAny(EventLoop.Sleep(S(5)), EventLoop.Sleep(S(1)));
        Assert.True(winner.IsCompletedSuccessfully);
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void Sleep_AwaitedAgainAfterItEnded_GivesTheSameOutcome() => Virtual.Run(async loop =>
    {
        var sleep = EventLoop.Sleep(S(1));
        await sleep;
        await sleep; // ended: completes at once, no second sleep
        Assert.Equal(S(1), loop.Now);
        Assert.True(sleep.IsCompletedSuccessfully);
    });

    [Fact]
    public void Sleep_AwaitedTwiceAtOnce_TheSecondAwaitThrowsAndTheFirstStillEnds() => Virtual.Run(async loop =>
    {
        var sleep = EventLoop.Sleep(S(1));
        var first = Await(sleep);
        var second = await Catch.ExactlyAsync<InvalidOperationException>(() => Await(sleep));
        await first;
        Assert.Contains("already being awaited", second.Message, StringComparison.Ordinal);
        Assert.EndsWith("Convert it to a Task (AsTask) to wait for it in several places.", second.Message, StringComparison.Ordinal);
        Assert.Equal(S(1), loop.Now);

        static async Task Await(Checkpoint checkpoint) => await checkpoint;
    });

    [Fact]
    [Trait("Schedule", "Fifo")] // the interleaving it asserts is the FIFO one: that is how it sees each await yield
    public void Yield_AwaitedTwice_YieldsTwice() => Virtual.Run(async loop =>
    {
        var order = new List<string>();
        await using var tm = new TaskManager(loop);
        tm.Spawn(async () =>
        {
            order.Add("other 1");
            await EventLoop.Yield();
            order.Add("other 2");
            await EventLoop.Yield();
            order.Add("other 3");
        });
        var yield = EventLoop.Yield();
        await yield; // the child starts
        order.Add("main 1");
        await yield; // the child runs its second step
        order.Add("main 2");
        await tm.DisposeAsync();
        Assert.Equal(["other 1", "main 1", "other 2", "main 2", "other 3"], order);
    });

    [Fact]
    public void PendingSleep_GetResultOffTheLoop_ThrowsInvalidOperation() => Virtual.Run(async loop =>
    {
        var sleep = EventLoop.Sleep(S(1));
        Exception? e = null;
        // Another thread, while the loop thread waits for it (so the sleep cannot end meanwhile).
        var other = new Thread(() => e = Record.Exception(() => sleep.GetAwaiter().GetResult()));
        other.Start();
        other.Join();
        Assert.IsType<InvalidOperationException>(e);
        // The message says why blocking is refused, and what to do instead.
        Assert.Equal(
            "This sleep has not ended: waiting for it with GetAwaiter().GetResult() or .Wait() would block the loop thread " +
            "that has to end it (a deadlock). Await it instead.",
            e!.Message);
        await sleep;
    });

    [Fact]
    public void Checkpoint_ConfigureAwaitFalse_ResumesOffTheLoopThread() => Virtual.Run(async loop =>
    {
        var loopThread = Environment.CurrentManagedThreadId;
        await EventLoop.Yield().ConfigureAwait(false);
        Assert.Null(EventLoop.Current);
        Assert.NotEqual(loopThread, Environment.CurrentManagedThreadId);
    });

    [Fact]
    public void Awaiter_OnCompleted_FlowsTheExecutionContextAndResumesOnTheLoop() => Virtual.Run(async loop =>
    {
        s_local.Value = "flowed";
        var resumed = new TaskCompletionSource<(string?, EventLoop?)>();
        // INotifyCompletion.OnCompleted (not the async method builder's path): the ExecutionContext flows.
        var awaiter = EventLoop.Sleep(S(1)).GetAwaiter();
        awaiter.OnCompleted(() => resumed.SetResult((s_local.Value, EventLoop.Current)));
        s_local.Value = "changed after registering";
        var (seen, on) = await resumed.Task;
        Assert.Equal("flowed", seen);
        Assert.Same(loop, on);
    });

    [Fact]
    public void Child_WhoseBodyEndsOffTheLoopAfterACheckpoint_EndsWithItsResult() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async () =>
        {
            await EventLoop.Yield();
            await Task.Run(() => { }).ConfigureAwait(false); // the last step runs on the thread pool
            return 7;
        });
        await tm.DisposeAsync();
        Assert.Equal(7, child.Result);
    });

    [Fact]
    public void Child_WhoseHelperAwaitsACheckpointDuringTheStart_EndsWhenTheBodyDoes() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async () =>
        {
            var helper = HelperAsync(log); // awaits a checkpoint before the body returns its own task
            await EventLoop.Sleep(S(1));
            log.Add("body slept");
            return await helper + 1;
        });
        await tm.DisposeAsync();
        Assert.Equal(3, child.Result);
        Assert.Equal(["1s body slept", "2s helper slept"], log.Entries);

        static async Task<int> HelperAsync(EventLog log)
        {
            await EventLoop.Sleep(S(2));
            log.Add("helper slept");
            return 2;
        }
    });

    [Fact]
    public void Child_WhoseBodyAwaitsASiblingAfterACheckpoint_EndsWhenItsBodyDoes() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        await using var tm = new TaskManager(loop);
        var first = tm.Spawn(async () => { await EventLoop.Sleep(S(1)); return "first"; });
        var second = tm.Spawn(async () =>
        {
            await EventLoop.Yield(); // parked on a checkpoint ...
            var value = await first.Completion; // ... then on something else: its task is watched from here on
            log.Add("second resumed");
            return value + " then second";
        });
        await tm.DisposeAsync();
        Assert.Equal("first then second", second.Result);
        Assert.Equal(["1s second resumed"], log.Entries);
    });

    [Fact]
    public void Child_ThatCheckpointsInALoop_EndsOnceWithItsResult() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async () =>
        {
            var steps = 0;
            for (var i = 0; i < 100; i++)
            {
                await EventLoop.Yield();
                await EventLoop.Sleep(Ms(10));
                steps++;
            }
            return steps;
        });
        var completion = child.Completion;
        await tm.DisposeAsync();
        await completion;
        Assert.Equal(100, child.Result);
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void Child_CancelledWhileParkedOnASleep_EndsCancelled() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async () => { await EventLoop.Sleep(S(10)); return 1; });
        await EventLoop.Sleep(S(1));
        child.Cancel();
        await tm.DisposeAsync();
        Assert.Equal(ChildTaskStatus.Cancelled, child.Status);
        Assert.Equal(S(1), loop.Now);
    });
}
