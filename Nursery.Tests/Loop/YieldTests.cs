namespace Nursery.Tests.Loop;

/// <summary>EventLoop.Yield: one trip to the back of the run queue.</summary>
public class YieldTests
{
    [Fact]
    public void Yield_IsNotCompletedSynchronouslyAndDoesNotMoveTime() => Virtual.Run(async loop =>
    {
        Task yield = EventLoop.Yield();
        Assert.False(yield.IsCompleted);
        await yield;
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });

    [Trait("Schedule", "Fifo")]
    [Fact]
    public void Yield_SeveralChildrenYielding_TakeTurnsRoundRobin() => Virtual.Run(async loop =>
    {
        var order = new List<string>();
        await using (var tm = new TaskManager(loop))
        {
            foreach (var name in new[] { "a", "b", "c" })
            {
                tm.Spawn(async () =>
                {
                    for (var i = 1; i <= 3; i++)
                    {
                        order.Add($"{name}{i}");
                        await EventLoop.Yield();
                    }
                });
            }
        }
        Assert.Equal(["a1", "b1", "c1", "a2", "b2", "c2", "a3", "b3", "c3"], order);
    });

    [Trait("Schedule", "Fifo")]
    [Fact]
    public void Yield_LetsEveryOtherReadyTaskRunOnceBeforeContinuing() => Virtual.Run(async loop =>
    {
        var order = new List<string>();
        var context = SynchronizationContext.Current!;
        context.Post(_ =>
        {
            order.Add("first");
            context.Post(_ => order.Add("readied by first"), null);
        }, null);
        context.Post(_ => order.Add("second"), null);

        await EventLoop.Yield();
        order.Add("main");

        // Work readied while main waited queues behind main's continuation.
        Assert.Equal(["first", "second", "main"], order);
        await EventLoop.Yield();
        Assert.Equal(["first", "second", "main", "readied by first"], order);
    });

    [Fact]
    public void Yield_OffTheLoop_ThrowsInvalidOperationExceptionNamingTheProblem() => Guard.Run(() =>
    {
        var e = Catch.Synchronously<InvalidOperationException>(() => EventLoop.Yield());
        Assert.Contains("EventLoop.Yield", e.Message, StringComparison.Ordinal);
        Assert.Contains("no event loop on this thread", e.Message, StringComparison.Ordinal);
    });

    [Fact]
    public void Yield_FromAThreadPoolThreadWhileTheLoopRuns_ThrowsInvalidOperationException() => Virtual.Run(async loop =>
    {
        var e = await Catch.OffLoopAsync(() => _ = EventLoop.Yield());
        Assert.IsType<InvalidOperationException>(e);
    });

    [Fact]
    public void Yield_InsideATaskOnTheLoopScheduler_Works() => Virtual.Run(async loop =>
    {
        var ran = await Task.Factory.StartNew(async () =>
        {
            await EventLoop.Yield();
            return EventLoop.Current == loop;
        }, CancellationToken.None, TaskCreationOptions.None, loop.TaskScheduler).Unwrap();
        Assert.True(ran);
    });

    [Trait("Schedule", "Fifo")]
    [Fact]
    public void Yield_PendingWhenItsChildIsCancelled_ThrowsOperationCanceledException() => Virtual.Run(async loop =>
    {
        var log = new List<string>();
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async () =>
        {
            try
            {
                await EventLoop.Yield();
                log.Add("resumed normally");
            }
            catch (OperationCanceledException)
            {
                log.Add("cancelled");
                throw;
            }
        });
        await EventLoop.Yield(); // the child has started and its Yield is queued behind this continuation
        child.Cancel();
        await tm.DisposeAsync();

        Assert.Equal(["cancelled"], log);
        Assert.Equal(ChildTaskStatus.Cancelled, child.Status);
    });
}
