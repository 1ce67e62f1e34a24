namespace Nursery.Tests.Issues;

/// <summary>
/// Issue 13, bug 2: a manager that was never joined, nested in a child of a joined manager, was never abandoned: its
/// children stayed <see cref="ChildTaskStatus.Running"/> forever and their <see cref="ChildTask.Completion"/> never
/// ended (also on a <see cref="LoopThread"/> after <c>Dispose</c>), and a grandchild failure in it was reported
/// nowhere: the outer join returned normally.
/// </summary>
/// <remarks>
/// Decided (docs/semantics.md, "A manager left open"): a child that ends with a manager it opened still open fails
/// with an <see cref="InvalidOperationException"/> naming that manager; the open manager is cancelled, and the
/// nearest manager around the child joins it in the child's place, so its children's failures reach that join and no
/// child is left running once the join (or the loop) has ended.
/// </remarks>
public class OpenManagerInAChildTests
{
    [Fact]
    public void ChildEndingWithAnOpenManager_FailsTheChildAndTheGrandchildFailureReachesTheOuterJoin() => Virtual.Run(async loop =>
    {
        ChildTask? grandchild = null;
        var outer = new TaskManager(loop);
        var owner = outer.Spawn(async () =>
        {
            var inner = new TaskManager(loop); // never joined
            grandchild = inner.Spawn(() => FailWhenCancelledAsync(new Boom("grandchild cleanup")));
            await EventLoop.Sleep(S(1));
        });

        var e = await Catch.ExceptionAsync(async () => await outer.DisposeAsync());

        var leaves = Catch.Leaves(e);
        Assert.Contains(leaves, x => x is InvalidOperationException);
        Assert.Contains(leaves, x => x is Boom { Tag: "grandchild cleanup" });
        Assert.Equal(ChildTaskStatus.Faulted, owner.Status);
        Assert.IsType<InvalidOperationException>(owner.Exception);
        Assert.Equal(ChildTaskStatus.Faulted, grandchild!.Status);
        Assert.True(grandchild.Completion.IsCompleted);
    });

    [Fact]
    public void ChildEndingWithAnOpenManager_TheOuterManagersFailuresKeepEachGrandchildAndItsPrimacy() => Virtual.Run(async loop =>
    {
        var grandchildren = new List<ChildTask>();
        var outer = new TaskManager(loop);
        outer.Spawn(async () =>
        {
            var inner = new TaskManager(loop); // never joined
            for (var i = 0; i < 50; i++) grandchildren.Add(inner.Spawn(() => FailWhenCancelledAsync(new Boom("grandchild cleanup"))));
            grandchildren.Add(inner.Spawn(async () => { await EventLoop.Sleep(S(1)); throw new Boom("grandchild first"); }));
            await EventLoop.Sleep(S(2));
        });

        await Catch.ExceptionAsync(async () => await outer.DisposeAsync());

        // Adopted with the open manager: every grandchild failure, once, with its own child; the first is primary and
        // the cleanup failures it caused are secondary.
        var adopted = outer.Failures.Where(f => f.Exception is Boom).ToList();
        Assert.Equal(grandchildren.Count, adopted.Count);
        Assert.Equal(grandchildren.OrderBy(c => c.Id), adopted.Select(f => f.Child).OrderBy(c => c.Id));
        Assert.All(adopted, f => Assert.Same(f.Child.Exception, f.Exception));
        Assert.True(Assert.Single(adopted, f => ((Boom)f.Exception).Tag == "grandchild first").Primary);
        Assert.All(adopted.Where(f => ((Boom)f.Exception).Tag == "grandchild cleanup"), f => Assert.False(f.Primary));
    });

    [Fact]
    public void ChildEndingWithAnOpenManager_NoGrandchildIsLeftRunningAfterTheOuterJoin() => Virtual.Run(async loop =>
    {
        ChildTask? grandchild = null;
        var outer = new TaskManager(loop);
        outer.Spawn(async () =>
        {
            var inner = new TaskManager(loop); // never joined
            grandchild = inner.Spawn(() => EventLoop.Sleep(TimeSpan.FromHours(1)));
            await EventLoop.Yield();
        });

        var e = await Catch.ExceptionAsync(async () => await outer.DisposeAsync());

        Assert.IsType<InvalidOperationException>(e);
        Assert.Equal(ChildTaskStatus.Cancelled, grandchild!.Status);
        Assert.True(grandchild.Completion.IsCanceled);
        Assert.Equal(TimeSpan.Zero, loop.Now); // cancelled at once, not after its hour
    });

    [Fact]
    public void LoopThreadDispose_AChildOfTheWorkEndedWithAnOpenManager_LeavesNoChildRunning() => Guard.Run(() =>
    {
        ChildTask? grandchild = null;
        Task submitted;
        using (var host = new LoopThread())
        {
            submitted = host.Submit(async ct =>
            {
                await using var outer = new TaskManager(EventLoop.Current!);
                outer.Spawn(async () =>
                {
                    var inner = new TaskManager(EventLoop.Current!); // never joined
                    grandchild = inner.Spawn(() => EventLoop.Sleep(TimeSpan.FromHours(1)));
                    await EventLoop.Yield();
                });
            });
            Assert.True(((IAsyncResult)submitted).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(10)), "the work did not end");
        } // Dispose: the host has stopped when this returns

        Assert.NotEqual(ChildTaskStatus.Running, grandchild!.Status);
        Assert.True(((IAsyncResult)grandchild.Completion).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(10)), "the grandchild's Completion never ended");
        Assert.IsType<InvalidOperationException>(submitted.Exception?.InnerException);
    });

    /// <summary>Waits until cancelled, then fails from its cleanup.</summary>
    private static async Task FailWhenCancelledAsync(Exception failure)
    {
        try
        {
            await EventLoop.Sleep(TimeSpan.FromHours(1));
        }
        finally
        {
            ThrowFromCleanup(failure);
        }
    }

    private static void ThrowFromCleanup(Exception failure) => throw failure;
}
