namespace Nursery.Tests.Loop;

/// <summary>loop.TaskScheduler: explicit scheduling onto the loop, in FIFO order with everything else.</summary>
public class TaskSchedulerTests
{
    private static Task StartOn(EventLoop loop, Action action) =>
        Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.None, loop.TaskScheduler);

    [Fact]
    public void TaskScheduler_ReadTwice_IsTheSameSchedulerWithConcurrencyOne() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        Assert.Same(loop.TaskScheduler, loop.TaskScheduler);
        Assert.Equal(1, loop.TaskScheduler.MaximumConcurrencyLevel);
    });

    [Trait("Schedule", "Fifo")]
    [Fact]
    public void StartNew_FromTheLoop_RunsOnALaterTurnInFifoOrderWithOtherWork() => Virtual.Run(async loop =>
    {
        var order = new List<string>();
        var context = SynchronizationContext.Current!;
        await using var tm = new TaskManager(loop);

        var first = StartOn(loop, () => order.Add("task 1"));
        context.Post(_ => order.Add("post"), null);
        tm.Spawn(async () => order.Add("child"));
        var second = StartOn(loop, () => order.Add("task 2"));
        Assert.Empty(order); // nothing ran inline
        await Task.WhenAll(first, second);

        Assert.Equal(["task 1", "post", "child", "task 2"], order);
    });

    [Fact]
    public void StartNew_FromAnotherThread_RunsOnTheLoopThread() => Virtual.Run(async loop =>
    {
        var loopThread = Environment.CurrentManagedThreadId;
        var ranOn = await Task.Run(() => Task.Factory.StartNew(
            () => Environment.CurrentManagedThreadId, CancellationToken.None, TaskCreationOptions.None, loop.TaskScheduler));
        Assert.Equal(loopThread, ranOn);
    });

    [Fact]
    public void StartNew_InsideATask_TaskSchedulerCurrentIsTheLoopsScheduler() => Virtual.Run(async loop =>
    {
        var current = await Task.Factory.StartNew(() => TaskScheduler.Current, CancellationToken.None, TaskCreationOptions.None, loop.TaskScheduler);
        Assert.Same(loop.TaskScheduler, current);
    });

    [Fact]
    public void ContinueWith_OnTheLoopScheduler_RunsOnTheLoopThread() => Virtual.Run(async loop =>
    {
        var loopThread = Environment.CurrentManagedThreadId;
        var ranOn = await Task.Run(() => Thread.Sleep(1)).ContinueWith(
            _ => Environment.CurrentManagedThreadId, CancellationToken.None, TaskContinuationOptions.None, loop.TaskScheduler);
        Assert.Equal(loopThread, ranOn);
    });

    [Fact]
    public void StartNew_AsyncBody_ResumesOnTheLoopAfterEachAwait() => Virtual.Run(async loop =>
    {
        var loopThread = Environment.CurrentManagedThreadId;
        var threads = await Task.Factory.StartNew(async () =>
        {
            var seen = new List<int>();
            await Task.Run(() => { });
            seen.Add(Environment.CurrentManagedThreadId);
            await EventLoop.Sleep(S(1));
            seen.Add(Environment.CurrentManagedThreadId);
            return seen;
        }, CancellationToken.None, TaskCreationOptions.None, loop.TaskScheduler).Unwrap();
        Assert.Equal([loopThread, loopThread], threads);
    });

    [Fact]
    public void StartNew_WhileTheLoopIsNotRunning_IsRefusedWithAClearMessage() => Guard.Run(() =>
    {
        // Work queued between runs would belong to no run (issue 13, bug 1: nothing posted to a stopped loop runs in a
        // later run); refusing at once beats a task that stays pending forever.
        using var loop = new EventLoop(new VirtualClock());
        var e = Assert.Throws<TaskSchedulerException>(() =>
        {
            _ = Task.Factory.StartNew(() => EventLoop.Current, CancellationToken.None, TaskCreationOptions.None, loop.TaskScheduler);
        });
        var refused = Assert.IsType<InvalidOperationException>(e.InnerException);
        Assert.Contains("only while its event loop is running", refused.Message, StringComparison.Ordinal);
        Assert.EndsWith("Start the work from code running on the loop, or submit it through a loop host.", refused.Message, StringComparison.Ordinal);
    });

    [Fact]
    public void Wait_OnTheLoopThreadForATaskOnItsScheduler_RunsItInlineInsteadOfDeadlocking() => Virtual.Run(async loop =>
    {
        // Only an untimed, uncancellable Wait tries to inline (a timed one just blocks); the guard catches a deadlock.
        var task = Task.Factory.StartNew(() => EventLoop.Current, CancellationToken.None, TaskCreationOptions.None, loop.TaskScheduler);
        task.Wait();
        Assert.Same(loop, await task);
    });
}
