namespace Nursery.Tests.Issues;

/// <summary>
/// Found while building Nursery.Extensions.Hosting (issue 12, item 1; the BackgroundService shape of issue 8, item 5):
/// a child that opens a manager of its own with the host's <c>stoppingToken</c>, inside a nursery that was given the
/// same token, ends Faulted when the token fires, and the whole nursery then fails with an
/// <see cref="OperationCanceledException"/>.
/// </summary>
/// <remarks>
/// The inner join rightly throws an <see cref="OperationCanceledException"/> carrying the token (section 10). It is
/// also noted as a failure reported into the child, so that a foreign cancellation leaving a nested manager is never
/// mistaken for the child's own (see <see cref="ForeignCancellationLeavingANestedManagerTests"/>). But a token the
/// enclosing manager owns is not foreign: section 10 says an <see cref="OperationCanceledException"/> carrying the
/// manager's outside token counts as the manager's cancellation, and the child must end Cancelled.
/// </remarks>
public class NestedManagerSharingTheOutsideTokenTests
{
    [Fact]
    public void RunAsync_ChildJoiningAManagerWithTheSameToken_EndsCancelled_AndTheJoinThrowsTheTokensCancellation() => Virtual.Run(async loop =>
    {
        using var stopping = new CancellationTokenSource();
        ChildTask? owner = null;
        var innerCleanedUp = false;

        var e = await Catch.ExceptionAsync(() => TaskManager.RunAsync(async tm =>
        {
            owner = tm.Spawn(async () =>
            {
                await using var inner = new TaskManager(loop, stopping.Token);
                inner.Spawn(async ct =>
                {
                    try { await EventLoop.Sleep(S(10), ct); }
                    finally { innerCleanedUp = true; }
                });
            });
            await EventLoop.Sleep(S(1));
            stopping.Cancel();
        }, stopping.Token));

        Assert.True(innerCleanedUp);
        Assert.Equal(ChildTaskStatus.Cancelled, owner!.Status); // was Faulted
        var cancelled = Assert.IsAssignableFrom<OperationCanceledException>(e);
        Assert.Equal(stopping.Token, cancelled.CancellationToken);
    });

    [Fact]
    public void RunAsync_ChildJoiningAManagerWithAnotherToken_StillFails() => Virtual.Run(async loop =>
    {
        using var stopping = new CancellationTokenSource();
        using var other = new CancellationTokenSource();
        ChildTask? owner = null;

        var e = await Catch.ExceptionAsync(() => TaskManager.RunAsync(async tm =>
        {
            owner = tm.Spawn(async () =>
            {
                await using var inner = new TaskManager(loop, other.Token);
                inner.Spawn(ct => EventLoop.Sleep(S(10), ct));
            });
            await EventLoop.Sleep(S(1));
            other.Cancel();
        }, stopping.Token));

        // The inner token is foreign to the outer manager: its cancellation leaving the child is a failure.
        Assert.Equal(ChildTaskStatus.Faulted, owner!.Status);
        var failure = Assert.IsAssignableFrom<OperationCanceledException>(e);
        Assert.Equal(other.Token, failure.CancellationToken);
    });

    [Fact]
    public void RunAsync_BodyJoiningAManagerWithTheSameToken_ThrowsTheTokensCancellation_NotABodyFailure() => Virtual.Run(async loop =>
    {
        using var stopping = new CancellationTokenSource();
        ChildTask? sibling = null;
        OperationCanceledException? innerJoin = null;

        var e = await Catch.ExceptionAsync(() => TaskManager.RunAsync(async tm =>
        {
            sibling = tm.Spawn(ct => EventLoop.Sleep(S(10), ct));
            try
            {
                await using var inner = new TaskManager(loop, stopping.Token);
                inner.Spawn(async () => { await EventLoop.Sleep(S(1)); stopping.Cancel(); });
                inner.Spawn(ct => EventLoop.Sleep(S(10), ct));
            }
            catch (OperationCanceledException join)
            {
                innerJoin = join;
                throw;
            }
        }, stopping.Token));

        // The body ended with the inner join's cancellation, which the token caused: the outer manager's own
        // cancellation comes out, not the body's exception as if the body had failed (before the fix).
        Assert.NotNull(innerJoin);
        var cancelled = Assert.IsAssignableFrom<OperationCanceledException>(e);
        Assert.NotSame(innerJoin, cancelled);
        Assert.Equal(stopping.Token, cancelled.CancellationToken);
        Assert.Equal(ChildTaskStatus.Cancelled, sibling!.Status);
        Assert.Equal(S(1), loop.Now);
    });
}
