namespace Nursery.Tests.Issues;

/// <summary>
/// Found while writing the core suite: an exception thrown by a user callback on a manager's Token was swallowed when
/// the manager was cancelled after its join (nobody reads a closed manager's failures).
/// </summary>
/// <remarks>
/// Contract section 10 settled it at the root: on a joined manager Cancel does nothing. The token does not fire, so no
/// callback runs and there is no exception to lose; the callback still fires while the manager is open.
/// </remarks>
public class CancelAfterTheJoinTests
{
    [Fact]
    public void Cancel_AfterTheJoinWithAThrowingTokenCallback_RunsNoCallbackAndLosesNothing() => Virtual.Run(async loop =>
    {
        var calls = 0;
        var tm = new TaskManager(loop);
        using var registration = tm.Token.Register(() =>
        {
            calls++;
            throw new Boom("callback after the join");
        });
        tm.Spawn(() => EventLoop.Sleep(S(1)));
        await tm.DisposeAsync();

        var e = Record.Exception(tm.Cancel);

        Assert.Null(e);
        Assert.Equal(0, calls);
        Assert.False(tm.Token.IsCancellationRequested);
    });

    [Fact]
    public void Cancel_WhileOpenWithAThrowingTokenCallback_ReportsTheCallbackFailureFromTheJoin() => Virtual.Run(async loop =>
    {
        var boom = new Boom("callback while open");
        var tm = new TaskManager(loop);
        using var registration = tm.Token.Register(() => throw boom);
        tm.Spawn(() => EventLoop.Sleep(S(1)));
        tm.Cancel();

        var e = await Record.ExceptionAsync(async () => await tm.DisposeAsync());

        Assert.Same(boom, e);
    });
}
