namespace Nursery.Tests.Loop;

/// <summary>Every continuation of loop code comes back to the loop thread, whoever completed the awaited task.</summary>
public class ContinuationTests
{
    [Fact]
    public void Await_TasksCompletedByOtherThreads_ResumesOnTheLoopThread() => Virtual.Run(async loop =>
    {
        var loopThread = Environment.CurrentManagedThreadId;
        var resumedOn = new List<(string Where, int Thread)>();
        void Mark(string where) => resumedOn.Add((where, Environment.CurrentManagedThreadId));

        await Task.Run(() => Thread.Sleep(1));
        Mark("Task.Run");
        await Task.Delay(Ms(5));
        Mark("Task.Delay with a real OS timer");
        await Task.Yield();
        Mark("Task.Yield");
        await Task.WhenAll(Task.Run(() => { }), Task.Run(() => { }));
        Mark("Task.WhenAll of pool tasks");

        var tcs = new TaskCompletionSource(); // synchronous continuations: SetResult runs them on the setter's thread...
        var setter = Task.Run(async () => { await Task.Delay(Ms(2)); tcs.SetResult(); });
        await tcs.Task;                        // ...unless a context was captured, as here
        Mark("TaskCompletionSource set on a pool thread");
        await setter;

        using var semaphore = new SemaphoreSlim(0);
        var release = Task.Run(async () => { await Task.Delay(Ms(2)); semaphore.Release(); });
        await semaphore.WaitAsync();
        Mark("SemaphoreSlim released on a pool thread");
        await release;

        Assert.Equal(6, resumedOn.Count);
        Assert.All(resumedOn, r => Assert.True(r.Thread == loopThread, $"resumed on thread {r.Thread} after {r.Where}"));
    });

    [Fact]
    public void Await_InAChildAfterAThreadPoolHop_KeepsTheChildsIdentitySoCheckpointsStillWork() => Virtual.Run(async loop =>
    {
        var log = new List<string>();
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async () =>
        {
            await Task.Run(() => { });
            tm.Children[0].Cancel();
            log.Add("cancelled itself after the hop");
            await EventLoop.Yield(); // still recognised as this child's checkpoint
            log.Add("not reached");
        });
        await tm.DisposeAsync();

        Assert.Equal(["cancelled itself after the hop"], log);
        Assert.Equal(ChildTaskStatus.Cancelled, child.Status);
    });

    [Fact]
    public void ChildEnd_AfterConfigureAwaitFalseOnASleep_IsObservedAtThatVirtualTime() => Virtual.Run(async loop =>
    {
        // A far-away timer that belongs to nobody: if the child's end were observed off the loop, the idle loop
        // would find nothing to do and jump to it before the join noticed the end.
        _ = EventLoop.Sleep(TimeSpan.FromHours(1));
        ChildTask<int> child;
        await using (var tm = new TaskManager(loop))
        {
            child = tm.Spawn(async () =>
            {
#pragma warning disable xUnit1030 // ConfigureAwait(false) inside a child is the scenario under test.
                await EventLoop.Sleep(S(1)).ConfigureAwait(false);
#pragma warning restore xUnit1030
                return 7;
            });
        }
        Assert.Equal(S(1), loop.Now);
        Assert.Equal(7, child.Result);
    });

    [Fact]
    public void ChildEnd_AfterConfigureAwaitFalseHopsToThePool_IsRecordedOnTheLoopThread() => Virtual.Run(async loop =>
    {
        var loopThread = Environment.CurrentManagedThreadId;
        var bodyEndedOn = 0;
        var endRecordedOn = 0;
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async () =>
        {
            // With the child's (custom) context current, the runtime runs this continuation on the thread pool.
#pragma warning disable xUnit1030 // ConfigureAwait(false) inside a child is the scenario under test.
            await EventLoop.Yield().ConfigureAwait(false);
#pragma warning restore xUnit1030
            bodyEndedOn = Environment.CurrentManagedThreadId;
            return 9;
        });
        // A synchronous continuation on Completion runs wherever the child's end is recorded.
        var recorded = child.Completion.ContinueWith(
            _ => endRecordedOn = Environment.CurrentManagedThreadId,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        await tm.DisposeAsync();
        await recorded;

        Assert.NotEqual(loopThread, bodyEndedOn);
        Assert.Equal(loopThread, endRecordedOn);
        Assert.Equal(9, tm.Values[child]);
    });

    [Fact]
    public void ChildEnd_BodyCompletedByAnotherThread_IsRecordedOnTheLoopWhenItArrives() => Virtual.Run(async loop =>
    {
        // No auto-jump: while the other thread works, the loop must not jump to the sibling's 5 s timer.
        var log = new EventLog(loop);
        var external = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(() => external.Task);
        tm.Spawn(async () =>
        {
            await EventLoop.Sleep(S(5));
            log.Add($"sibling woke, child {child.Status}");
        });
        await EventLoop.Yield();
        await Task.Run(() => external.SetResult(3));
        // Not a Yield: work from other threads can reach the inbox after this continuation, so wait for the end itself.
        await child.Completion;
        log.Add($"child {child.Status}, value {tm.Values[child]}");
        ((VirtualClock)loop.Clock).Advance(S(5));
        await tm.DisposeAsync();

        Assert.Equal(["0s child Completed, value 3", "5s sibling woke, child Completed"], log.Entries);
    }, clock: new VirtualClock { AutoJump = false });
}
