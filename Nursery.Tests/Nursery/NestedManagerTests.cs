namespace Nursery.Tests.Nursery;

/// <summary>Managers nest under the child they are created in: cancellation flows down, failures flow up.</summary>
public class NestedManagerTests
{
    [Fact]
    public void Cancel_OwnerChild_ReachesGrandchildrenAndTheOwnerEndsAtItsNextCheckpoint() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        ChildTask? grandchild = null;
        await using var tm = new TaskManager(loop);
        var owner = tm.Spawn(async () =>
        {
            await using (var inner = new TaskManager(loop))
            {
                grandchild = inner.Spawn(() => EventLoop.Sleep(S(10)));
            }
            // The inner join does not throw for a cancellation: the owner sees it at its own next checkpoint.
            log.Add("owner after inner join");
            await EventLoop.Yield();
            log.Add("not reached");
        });
        await EventLoop.Sleep(S(1));
        owner.Cancel();
        await tm.DisposeAsync();

        Assert.Equal(["1s owner after inner join"], log.Entries);
        Assert.Equal(ChildTaskStatus.Cancelled, grandchild!.Status);
        Assert.Equal(ChildTaskStatus.Cancelled, owner.Status);
    });

    [Fact]
    public void Cancel_OuterManager_ReachesThreeLevelsDown() => Virtual.Run(async loop =>
    {
        ChildTask? deepest = null;
        var depth = new TaskCompletionSource();
        var tm = new TaskManager(loop);
        tm.Spawn(async () =>
        {
            await using var level1 = new TaskManager(loop);
            level1.Spawn(async () =>
            {
                await using var level2 = new TaskManager(loop);
                level2.Spawn(async () =>
                {
                    await using var level3 = new TaskManager(loop);
                    deepest = level3.Spawn(() => EventLoop.Sleep(TimeSpan.FromDays(1)));
                    depth.SetResult();
                });
            });
        });
        await depth.Task;
        tm.Cancel();
        await tm.DisposeAsync();

        Assert.Equal(ChildTaskStatus.Cancelled, deepest!.Status);
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });

    [Fact]
    public void Failure_LeavingAnInnerManager_FailsItsOwnerCancelsTheOwnersSiblingsAndSurfacesAsTheSameObject() => Virtual.Run(async loop =>
    {
        var boom = new Boom("grandchild");
        var tm = new TaskManager(loop);
        var ownerSibling = tm.Spawn(() => EventLoop.Sleep(S(10)));
        var owner = tm.Spawn(async () =>
        {
            await using var inner = new TaskManager(loop);
            inner.Spawn(() => Failing.AfterAsync(S(1), boom));
        });

        var e = await Catch.ExceptionAsync(() => tm.DisposeAsync().AsTask());

        Assert.Same(boom, e);
        Assert.Equal(ChildTaskStatus.Faulted, owner.Status);
        Assert.Same(boom, owner.Exception);
        Assert.Equal(ChildTaskStatus.Cancelled, ownerSibling.Status);
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void Failure_TwoLeavingAnInnerManager_OuterRethrowsTheInnerAggregateObjectNotAWrapper() => Virtual.Run(async loop =>
    {
        Exception? innerThrew = null;
        var tm = new TaskManager(loop);
        tm.Spawn(async () =>
        {
            try
            {
                await using var inner = new TaskManager(loop);
                inner.Spawn(() => Failing.AfterAsync(S(1), new Boom("a")));
                inner.Spawn(() => Failing.AfterAsync(S(1), new Boom("b")));
            }
            catch (Exception e)
            {
                innerThrew = e;
                throw;
            }
        });

        var e = await Catch.ExceptionAsync(() => tm.DisposeAsync().AsTask());
        var aggregate = Assert.IsType<AggregateException>(e);
        Assert.Same(innerThrew, aggregate);
        Assert.Equal(["a", "b"], aggregate.InnerExceptions.Select(x => ((Boom)x).Tag).Order()); // in the order they failed
    });

    [Fact]
    public void TaskManager_CreatedInsideACancelledChild_StartsCancelled() => Virtual.Run(async loop =>
    {
        var ran = false;
        TaskManager? inner = null;
        ChildTask? grandchild = null;
        await using var tm = new TaskManager(loop);
        var owner = tm.Spawn(async () =>
        {
            tm.Children[0].Cancel();
            await using (inner = new TaskManager(loop))
            {
                Assert.True(inner.IsCancellationRequested);
                Assert.True(inner.Token.IsCancellationRequested);
                grandchild = inner.Spawn(async () => ran = true);
            }
        });
        await tm.DisposeAsync();

        Assert.False(ran);
        Assert.Equal(ChildTaskStatus.Cancelled, grandchild!.Status);
        Assert.Equal(ChildTaskStatus.Completed, owner.Status); // no checkpoint after the inner join, and no failure
    });

    [Fact]
    public void TaskManager_TwoSiblingManagersInOneChild_BothCancelledWithIt() => Virtual.Run(async loop =>
    {
        ChildTask? first = null, second = null;
        var ready = new TaskCompletionSource();
        await using var tm = new TaskManager(loop);
        var owner = tm.Spawn(async () =>
        {
            await using var a = new TaskManager(loop);
            await using var b = new TaskManager(loop);
            first = a.Spawn(() => EventLoop.Sleep(S(10)));
            second = b.Spawn(() => EventLoop.Sleep(S(10)));
            ready.SetResult();
        });
        await ready.Task;
        owner.Cancel();
        await tm.DisposeAsync();
        Assert.Equal(ChildTaskStatus.Cancelled, first!.Status);
        Assert.Equal(ChildTaskStatus.Cancelled, second!.Status);
    });

    [Fact]
    public void TaskManager_CreatedInMain_IsNotAffectedByCancellingAnotherManager() => Virtual.Run(async loop =>
    {
        await using var first = new TaskManager(loop);
        await using var second = new TaskManager(loop);
        var survivor = second.Spawn(async () => { await EventLoop.Sleep(S(1)); return "ok"; });
        first.Cancel();
        await second.DisposeAsync();
        Assert.Equal("ok", survivor.Result);
        Assert.False(second.IsCancellationRequested);
    });

    [Fact]
    public void TaskManager_InnerJoinedBeforeTheOwnerIsCancelled_IsNotReachedAnyMore() => Virtual.Run(async loop =>
    {
        TaskManager? inner = null;
        await using var tm = new TaskManager(loop);
        var owner = tm.Spawn(async () =>
        {
            await using (inner = new TaskManager(loop)) inner.Spawn(async () => { });
            await EventLoop.Sleep(S(10));
        });
        await EventLoop.Sleep(S(1));
        owner.Cancel();
        await tm.DisposeAsync();
        Assert.False(inner!.IsCancellationRequested); // it had closed: cancelling the owner no longer concerns it
    });

    [Fact]
    public void Child_EndingWithAManagerLeftOpen_FailsNamingItselfAndTheManager() => Virtual.Run(async loop =>
    {
        TaskManager? leftOpen = null;
        ChildTask? grandchild = null;
        var tm = new TaskManager(loop);
        var owner = tm.Spawn(() =>
        {
            leftOpen = new TaskManager(loop); // never joined
            grandchild = leftOpen.Spawn(() => EventLoop.Sleep(S(10)));
            return Task.CompletedTask;
        });
        var e = await Catch.ExactlyAsync<InvalidOperationException>(async () => await tm.DisposeAsync());

        // The message is built only when something was left open; it names the child and the manager.
        Assert.Equal(
            $"Child #{owner.Id} ended without joining {leftOpen!.Subject}, which it opened. Every TaskManager must be joined before " +
            "the code that opens it ends: use 'await using', call DisposeAsync, or use TaskManager.RunAsync. Its children were " +
            $"cancelled, and {tm.Subject} joins them instead.",
            e.Message);
        Assert.Same(e, owner.Exception);
        Assert.Equal(ChildTaskStatus.Cancelled, grandchild!.Status); // joined by tm in the owner's place
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });

    [Fact]
    public void Child_EndingWithAManagerLeftOpen_UnderCollectAll_TheOrphanIsCancelledJoinedAndClosed() => Virtual.Run(async loop =>
    {
        // Under CollectAll the owner's failure cancels nobody: the orphan's children end only because their manager
        // was orphaned, and the outer manager joins them in the owner's place.
        TaskManager? leftOpen = null;
        ChildTask? grandchild = null;
        string? seen = null;
        var tm = new TaskManager(loop, new TaskManagerOptions { FailurePolicy = FailurePolicy.CollectAll });
        var sibling = tm.Spawn(() => EventLoop.Sleep(S(2)));
        var owner = tm.Spawn(async () =>
        {
            leftOpen = new TaskManager(loop); // never joined
            grandchild = leftOpen.Spawn(async () =>
            {
                try { await EventLoop.Sleep(S(10)); }
                catch (OperationCanceledException e) { seen = e.Message; throw; }
            });
            await loop.RunCurrentAsync(); // the grandchild is asleep
        });
        await Catch.ExactlyAsync<InvalidOperationException>(async () => await tm.DisposeAsync());

        Assert.Equal(ChildTaskStatus.Faulted, owner.Status);
        Assert.Equal(ChildTaskStatus.Completed, sibling.Status);
        Assert.Equal(ChildTaskStatus.Cancelled, grandchild!.Status);
        Assert.Equal(
            $"{leftOpen!.Subject} was cancelled because the code that opened it ended without joining it " +
            "(await using, DisposeAsync or TaskManager.RunAsync).",
            seen);
        Assert.Equal(S(2), loop.Now);
        var closed = Assert.Throws<InvalidOperationException>(() => leftOpen.Spawn(async () => { }));
        Assert.Contains("is closed", closed.Message, StringComparison.Ordinal);
    });

    [Fact]
    public void StartingChild_EndingWithAManagerLeftOpen_HasNoManagerToJoinIt_SoTheLoopAbandonsIt() => Virtual.Run(async loop =>
    {
        // Before Started the child belongs to the code awaiting StartAsync (here main, with no manager around it).
        await using var tm = new TaskManager(loop);
        TaskManager? leftOpen = null;
        ChildTask? grandchild = null;
        ChildTask? starting = null;
        var e = await Catch.ExactlyAsync<InvalidOperationException>(() => tm.StartAsync(async (signal, ct) =>
        {
            starting = LoopSynchronizationContext.CurrentChild;
            leftOpen = new TaskManager(loop); // never joined
            grandchild = leftOpen.Spawn(() => EventLoop.Sleep(S(10)));
            await EventLoop.Yield();
        }));

        Assert.Equal(
            $"Child {starting!.Label} ended without joining {leftOpen!.Subject}, which it opened. Every TaskManager must be joined " +
            "before the code that opens it ends: use 'await using', call DisposeAsync, or use TaskManager.RunAsync. Its children " +
            "were cancelled, and the loop abandons them when Run returns.",
            e.Message);
        await loop.RunCurrentAsync();
        Assert.Equal(ChildTaskStatus.Cancelled, grandchild!.Status);
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });
}
