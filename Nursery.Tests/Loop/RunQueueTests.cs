using System.Diagnostics;

namespace Nursery.Tests.Loop;

/// <summary>The run queue: FIFO order, and turns that let timers in between batches of ready work.</summary>
public class RunQueueTests
{
    [Trait("Schedule", "Fifo")]
    [Fact]
    public void Run_ReadyWorkFromEverySource_RunsInFifoOrder() => Virtual.Run(async loop =>
    {
        var order = new List<string>();
        var context = SynchronizationContext.Current!;
        await using var tm = new TaskManager(loop);

        context.Post(_ => order.Add("post 1"), null);
        tm.Spawn(async () => order.Add("child a"));
        _ = Task.Factory.StartNew(() => order.Add("scheduler task"), CancellationToken.None, TaskCreationOptions.None, loop.TaskScheduler);
        context.Post(_ => order.Add("post 2"), null);
        tm.Spawn(async () => order.Add("child b"));
        await EventLoop.Yield();
        order.Add("main after Yield");

        Assert.Equal(["post 1", "child a", "scheduler task", "post 2", "child b", "main after Yield"], order);
    });

    [Trait("Schedule", "Fifo")]
    [Fact]
    public void Run_WorkPostedWhileRunningWork_RunsAfterEverythingAlreadyQueued() => Virtual.Run(async loop =>
    {
        var order = new List<string>();
        var context = SynchronizationContext.Current!;
        var done = new TaskCompletionSource();

        context.Post(_ =>
        {
            order.Add("a");
            context.Post(_ => { order.Add("a's follow-up"); done.SetResult(); }, null);
        }, null);
        context.Post(_ => order.Add("b"), null);
        context.Post(_ => order.Add("c"), null);
        await done.Task;

        Assert.Equal(["a", "b", "c", "a's follow-up"], order);
    });

    [Trait("Schedule", "Fifo")]
    [Fact]
    public void Turn_SelfRepostingWorkForever_DoesNotStarveADueTimer() => Virtual.Run(async loop =>
    {
        var context = SynchronizationContext.Current!;
        var links = 0;
        var stop = false;
        void Link(object? _)
        {
            if (stop) return;
            links++;
            context.Post(Link, null);
        }

        // A loop that ran ready work until the queue was empty would never get to the timer: this would hang.
        context.Post(Link, null);
        await EventLoop.Sleep(TimeSpan.Zero);
        stop = true;

        Assert.Equal(TimeSpan.Zero, loop.Now);
        Assert.InRange(links, 1, 2); // the timer fires at the first timer phase after it was set, not after the chain
    });

    [Trait("Schedule", "Fifo")]
    [Fact]
    public void Sleep_Zero_WhileTwoChildrenYieldForever_CompletesAndChildrenTakeFairTurns() => Virtual.Run(async loop =>
    {
        int a = 0, b = 0;
        await using var tm = new TaskManager(loop);
        var childA = tm.Spawn(async () => { while (true) { a++; await EventLoop.Yield(); } });
        var childB = tm.Spawn(async () => { while (true) { b++; await EventLoop.Yield(); } });

        await EventLoop.Sleep(TimeSpan.Zero);
        tm.Cancel();

        Assert.Equal(TimeSpan.Zero, loop.Now);
        Assert.Equal(1, a); // the timer phase of the very next turn fired the sleep
        Assert.Equal(1, b);
        await tm.DisposeAsync();
        Assert.Equal(ChildTaskStatus.Cancelled, childA.Status);
        Assert.Equal(ChildTaskStatus.Cancelled, childB.Status);
    });

    [Trait("Schedule", "Fifo")]
    [Fact]
    public void Sleep_WhileTwoChildrenYieldForeverAndTimeMoves_FiresAtTheFirstTurnPastItsDeadline() => Virtual.Run(async loop =>
    {
        // Busy children never let the loop idle, so a VirtualClock only moves when told: child A moves it 1 ms per step.
        var clock = (VirtualClock)loop.Clock;
        int a = 0, b = 0;
        await using var tm = new TaskManager(loop);
        tm.Spawn(async () => { while (true) { clock.Advance(Ms(1)); a++; await EventLoop.Yield(); } });
        tm.Spawn(async () => { while (true) { b++; await EventLoop.Yield(); } });

        await EventLoop.Sleep(Ms(10));
        var wokeAt = loop.Now;
        tm.Cancel();

        // A reached 10 ms in its 10th step (turn 10); the timer fires in the timer phase of turn 11, whose batch
        // runs A, B and then main.
        Assert.Equal(Ms(11), wokeAt);
        Assert.Equal(11, a);
        Assert.Equal(11, b);
    });

    [Trait("Schedule", "Fifo")]
    [Fact]
    public void Sleep_OnSystemClockWhileTwoChildrenYieldForever_FiresAndChildrenAlternate() => Virtual.Run(async loop =>
    {
        int a = 0, b = 0;
        var real = Stopwatch.StartNew();
        await using var tm = new TaskManager(loop);
        tm.Spawn(async () => { while (true) { a++; await EventLoop.Yield(); } });
        tm.Spawn(async () => { while (true) { b++; await EventLoop.Yield(); } });

        await EventLoop.Sleep(Ms(30));
        var elapsed = real.Elapsed;
        tm.Cancel();

        Assert.True(elapsed >= Ms(30), $"woke after {elapsed.TotalMilliseconds} ms");
        Assert.True(a >= 1, $"child A ran {a} steps"); // usually thousands; one if this thread was descheduled for 30 ms
        Assert.InRange(a - b, 0, 1); // round robin: A is never more than one step ahead of B
    }, clock: new SystemClock());

    [Trait("Schedule", "Fifo")]
    [Fact]
    public void TaskDelay_RealTimerWhileTwoChildrenYieldForever_ContinuationArrivesThroughTheInbox() => Virtual.Run(async loop =>
    {
        int a = 0, b = 0;
        await using var tm = new TaskManager(loop);
        tm.Spawn(async () => { while (true) { a++; await EventLoop.Yield(); } });
        tm.Spawn(async () => { while (true) { b++; await EventLoop.Yield(); } });

        await Task.Delay(Ms(20)); // an OS timer: its continuation is posted from a timer thread
        tm.Cancel();

        Assert.True(a >= 1, $"child A ran {a} steps");
        Assert.InRange(a - b, -1, 1); // fair turns: neither is more than one step ahead (which one leads is the schedule's)
    });
}
