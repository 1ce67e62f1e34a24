namespace Nursery.Tests.Nursery;

/// <summary>
/// Exceptions thrown by user callbacks on the tokens a manager cancels are failures of that manager: reported by its
/// join, never swallowed, and never thrown at whoever called Cancel.
/// </summary>
public class CancellationCallbackTests
{
    [Fact]
    public void ChildCancel_CallbackOnTheChildsTokenThrows_TheJoinReportsItAndSiblingsAreCancelled() => Virtual.Run(async loop =>
    {
        var boom = new Boom("callback");
        var tm = new TaskManager(loop);
        var victim = tm.Spawn(async ct =>
        {
            using var registration = ct.Register(() => throw boom);
            await EventLoop.Sleep(S(10));
        });
        var sibling = tm.Spawn(() => EventLoop.Sleep(S(10)));
        await loop.RunCurrentAsync();

        var fromCancel = Record.Exception(victim.Cancel);
        var fromJoin = await Catch.ExceptionAsync(() => tm.DisposeAsync().AsTask());

        Assert.Null(fromCancel);
        Assert.Same(boom, fromJoin);
        Assert.Equal(ChildTaskStatus.Cancelled, victim.Status);
        Assert.Equal(ChildTaskStatus.Cancelled, sibling.Status); // the callback's exception is a failure like any other
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });

    [Fact]
    public void ManagerCancel_CallbackOnTheManagersTokenThrows_TheJoinReportsItEvenWithoutChildren() => Virtual.Run(async loop =>
    {
        var boom = new Boom("manager callback");
        var tm = new TaskManager(loop);
        using var registration = tm.Token.Register(() => throw boom);
        tm.Cancel(); // does not throw at the caller
        Assert.Same(boom, await Catch.ExceptionAsync(() => tm.DisposeAsync().AsTask()));
    });

    [Fact]
    public void Failure_CallbackThrowsWhileSiblingsAreCancelled_BothAreReportedFailureFirst() => Virtual.Run(async loop =>
    {
        var failure = new Boom("child failure");
        var fromCallback = new Boom("callback");
        var tm = new TaskManager(loop);
        tm.Spawn(async ct =>
        {
            using var registration = ct.Register(() => throw fromCallback);
            await EventLoop.Sleep(S(10));
        });
        tm.Spawn(() => Failing.AfterAsync(S(1), failure));

        var aggregate = await Catch.ExactlyAsync<AggregateException>(() => tm.DisposeAsync().AsTask());
        Assert.Equal([failure, fromCallback], aggregate.InnerExceptions);
    });

    [Fact]
    public void OuterCancel_CallbackOnAGrandchildsTokenThrows_IsReportedThroughTheInnerAndOuterJoins() => Virtual.Run(async loop =>
    {
        var boom = new Boom("grandchild callback");
        var reached = new TaskCompletionSource();
        var tm = new TaskManager(loop);
        var owner = tm.Spawn(async () =>
        {
            await using var inner = new TaskManager(loop);
            inner.Spawn(async ct =>
            {
                using var registration = ct.Register(() => throw boom);
                reached.SetResult();
                await EventLoop.Sleep(S(10));
            });
        });
        await reached.Task;
        tm.Cancel();

        Assert.Same(boom, await Catch.ExceptionAsync(() => tm.DisposeAsync().AsTask()));
        Assert.Equal(ChildTaskStatus.Faulted, owner.Status);
        Assert.Same(boom, owner.Exception);
    });

    [Fact]
    public void ManagerCancel_TwoCallbacksThrow_BothAreReported() => Virtual.Run(async loop =>
    {
        var first = new Boom("first");
        var second = new Boom("second");
        var tm = new TaskManager(loop);
        using var r1 = tm.Token.Register(() => throw first);
        using var r2 = tm.Token.Register(() => throw second);
        tm.Cancel();
        var aggregate = await Catch.ExactlyAsync<AggregateException>(() => tm.DisposeAsync().AsTask());
        Assert.Equal(2, aggregate.InnerExceptions.Count);
        Assert.Contains(first, aggregate.InnerExceptions);
        Assert.Contains(second, aggregate.InnerExceptions);
    });

    [Fact]
    public void RunAsync_CallbackOnTheGroupTokenThrowsWhenAChildFails_BothAreReported() => Virtual.Run(async loop =>
    {
        var failure = new Boom("child");
        var fromCallback = new Boom("callback");
        var aggregate = await Catch.ExactlyAsync<AggregateException>(() => TaskManager.RunAsync(async tm =>
        {
            using var registration = tm.Token.Register(() => throw fromCallback);
            tm.Spawn(() => Failing.AfterAsync(S(1), failure));
            await EventLoop.Sleep(S(10));
        }));
        Assert.Equal([failure, fromCallback], aggregate.InnerExceptions);
    });
}
