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
                await EventLoop.Sleep(S(1)).AsTask().ConfigureAwait(false);
#pragma warning restore xUnit1030
                return 7;
            });
        }
        Assert.Equal(S(1), loop.Now);
        Assert.Equal(7, child.Result);
    });

    [Fact]
    public void ChildEnd_AfterConfigureAwaitFalseHopsToThePool_IsRecordedOnTheLoopThread()
    {
        // The child's end is recorded where the "Nursery" meter counts it: a MeterListener callback runs on the thread
        // that records the measurement. Tests run in parallel, so only this loop's measurements count.
        EventLoop? ours = null;
        var recordedOn = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Nursery" && instrument.Name == "nursery.children.completed") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "nursery.loop.id" && ours is not null && (int)tag.Value! == ours.Id) recordedOn = Environment.CurrentManagedThreadId;
            }
        });
        listener.Start();

        Virtual.Run(async loop =>
        {
            ours = loop;
            var loopThread = Environment.CurrentManagedThreadId;
            var bodyEndedOn = 0;
            await using var tm = new TaskManager(loop);
            var child = tm.Spawn(async () =>
            {
                // With the child's (custom) context current, the runtime runs this continuation on the thread pool.
#pragma warning disable xUnit1030 // ConfigureAwait(false) inside a child is the scenario under test.
                await EventLoop.Yield().AsTask().ConfigureAwait(false);
#pragma warning restore xUnit1030
                bodyEndedOn = Environment.CurrentManagedThreadId;
                return 9;
            });
            await tm.DisposeAsync();

            Assert.NotEqual(loopThread, bodyEndedOn);
            Assert.Equal(loopThread, recordedOn);
            Assert.Equal(9, tm.Values[child]);
        });
    }

    // Issue 13, bug 8: a continuation of Completion registered off the loop ran inline on the loop thread.
    [Fact]
    public void Completion_ContinuationRegisteredOffTheLoop_NeverRunsOnTheLoopThread() => Virtual.Run(async loop =>
    {
        var loopThread = Environment.CurrentManagedThreadId;
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(() => EventLoop.Sleep(S(1)));
        // Registered on a pool thread: an observer that is not on the loop.
        var ranOn = await Task.Run(() => Task.FromResult(child.Completion.ContinueWith(
            _ => Environment.CurrentManagedThreadId,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default)));
        await tm.DisposeAsync();

        Assert.NotEqual(loopThread, await ranOn);
    });

    // Issue 13, bug 8: the same for a child abandoned when Run ends: its cleanup must not run foreign code inline.
    [Fact]
    public void Completion_OfAnAbandonedChild_ObservedOffTheLoop_DoesNotRunInsideRunsCleanup() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        Task<int>? ranOn = null;
        var loopThread = Environment.CurrentManagedThreadId;
        loop.Run(async () =>
        {
            var tm = new TaskManager(loop); // never joined: abandoned when Run returns
            var child = tm.Spawn(() => EventLoop.Sleep(TimeSpan.FromHours(1)));
            ranOn = await Task.Run(() => Task.FromResult(child.Completion.ContinueWith(
                _ => (EventLoop.Current is null ? 0 : 1) + Environment.CurrentManagedThreadId * 2,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default)));
            await EventLoop.Sleep(S(1));
        });
        var encoded = ranOn!.Result;
        Assert.Equal(0, encoded % 2);               // EventLoop.Current was not set where it ran
        Assert.NotEqual(loopThread, encoded / 2);   // and it was not the loop thread
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
