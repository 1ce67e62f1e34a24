namespace Nursery.Tests.Issues;

/// <summary>
/// Found while writing the core suite: a failure that is a foreign OperationCanceledException (a caller's timeout),
/// leaving an inner manager whose owner has meanwhile been cancelled, is lost.
/// </summary>
/// <remarks>
/// The inner manager correctly classifies the timeout as a failure (its child was not cancelled), cancels the inner
/// siblings and rethrows it from its join. But the owner (a child, or a RunAsync body) was cancelled while the join
/// waited, and ChildTask.Observe / RunBodyAndJoinAsync treat any OperationCanceledException ending a cancelled
/// child as that child's own cancellation. The owner ends Cancelled and the failure the inner manager reported
/// disappears, against "a failure that leaves an inner manager fails the child that owns it", "an
/// OperationCanceledException from a token the manager does not own is a failure like any other" and "exceptions
/// are never swallowed". Suggested fix: remember the exceptions that nested joins threw into a child (or body) and
/// never reclassify one of those as a cancellation.
/// </remarks>
public class ForeignCancellationLeavingANestedManagerTests
{
    /// <summary>
    /// An inner manager whose child times out at 1 s (a failure) and whose other child needs until 3 s to clean up,
    /// so the inner join rethrows the timeout at 3 s.
    /// </summary>
    private static async Task InnerManagerWithATimeoutFailureAsync(EventLoop loop, Action<OperationCanceledException> timedOut)
    {
        await using var inner = new TaskManager(loop);
        inner.Spawn(async () =>
        {
            using var timeout = new CancellationTokenSource(S(1), loop.TimeProvider);
            try
            {
                await Task.Delay(S(10), loop.TimeProvider, timeout.Token);
            }
            catch (OperationCanceledException e)
            {
                timedOut(e);
                throw;
            }
        });
        inner.Spawn(async () =>
        {
            try { await EventLoop.Sleep(S(10)); }
            finally { await Task.Delay(S(2), loop.TimeProvider); }
        });
    }

    [Fact]
    public void DisposeAsync_OwnerCancelledWhileItsInnerManagerRethrowsAForeignCancellation_ReportsBothFailures() => Virtual.Run(async loop =>
    {
        var boom = new Boom("outer sibling, 2 s");
        OperationCanceledException? timeoutFailure = null;
        var outer = new TaskManager(loop);
        var owner = outer.Spawn(() => InnerManagerWithATimeoutFailureAsync(loop, e => timeoutFailure = e));
        outer.Spawn(() => Failing.AfterAsync(S(2), boom)); // cancels the owner while it joins

        var e = await Catch.ExceptionAsync(() => outer.DisposeAsync().AsTask());

        Assert.NotNull(timeoutFailure);
        Assert.Equal(ChildTaskStatus.Faulted, owner.Status); // currently Cancelled: the timeout failure is lost
        var aggregate = Assert.IsType<AggregateException>(e);
        Assert.Equal([boom, timeoutFailure], aggregate.InnerExceptions);
    });

    [Fact]
    public void RunAsync_BodyCancelledWhileItsInnerManagerRethrowsAForeignCancellation_ReportsBothFailures() => Virtual.Run(async loop =>
    {
        var boom = new Boom("group child, 2 s");
        OperationCanceledException? timeoutFailure = null;

        var e = await Catch.ExceptionAsync(() => TaskManager.RunAsync(async tm =>
        {
            tm.Spawn(() => Failing.AfterAsync(S(2), boom)); // cancels the body while it joins
            await InnerManagerWithATimeoutFailureAsync(loop, e => timeoutFailure = e);
        }));

        Assert.NotNull(timeoutFailure);
        var aggregate = Assert.IsType<AggregateException>(e); // currently just boom: the body's failure is lost
        Assert.Equal([timeoutFailure, boom], aggregate.InnerExceptions); // the body's failure first
    });
}
