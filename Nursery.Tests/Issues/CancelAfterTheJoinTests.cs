namespace Nursery.Tests.Issues;

/// <summary>
/// Found while writing the core suite: an exception thrown by a user callback on a manager's Token is swallowed when
/// the manager is cancelled after its join.
/// </summary>
/// <remarks>
/// TaskManager.CancelCore catches the AggregateException of CancellationTokenSource.Cancel and records each inner
/// exception as a failure of the manager, to be reported by its join. After the join (state Closed) nobody will
/// ever read that list, so the exception is silently lost, against "exceptions thrown by user CancellationToken
/// callbacks during cancellation are reported as failures, never swallowed". With no join left to report to, the
/// caller of Cancel is the only one who can hear about it (as with CancellationTokenSource.Cancel itself).
/// </remarks>
public class CancelAfterTheJoinTests
{
    [Fact]
    public void Cancel_AfterTheJoinWithAThrowingTokenCallback_DoesNotSwallowTheException() => Virtual.Run(async loop =>
    {
        var boom = new Boom("callback after the join");
        var tm = new TaskManager(loop);
        using var registration = tm.Token.Register(() => throw boom);
        tm.Spawn(() => EventLoop.Sleep(S(1)));
        await tm.DisposeAsync();

        var e = Record.Exception(tm.Cancel);

        Assert.True(tm.Token.IsCancellationRequested);
        Assert.Contains(boom, Catch.Leaves(e)); // currently: nothing is thrown and nothing will ever report it
    });
}
