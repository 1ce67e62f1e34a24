namespace Nursery.Tests.Issues;

/// <summary>
/// Issue 13, bug 6: <c>SharedLoop.Await</c> lost a successful result. Work that registered a callback on its token
/// which throws when the host stops, and returned 42, made <c>Await</c> throw <see cref="LoopHostException"/>:
/// Await's own hold on the loop was released after the work ended, the release stopped the loop, the stop cancelled
/// the host's token, the callback threw, and the release's exception replaced the result.
/// </summary>
/// <remarks>
/// The token a work item gets stands for the cancellation of that work item. Once the work has ended nothing can
/// cancel it any more, so a callback registered on that token has nothing left to react to: it must not run at a
/// later stop of the loop, and the work's outcome is what <c>Await</c> delivers.
/// </remarks>
public class SharedLoopAwaitLosingItsResultTests
{
    [Fact]
    public void Await_WorkRegisteringAThrowingCallbackOnItsToken_ReturnsTheResultAndTheCallbackNeverRuns() => Guard.Run(() =>
    {
        var shared = new SharedLoop();
        var callbackRan = false;

        var result = shared.Await(async ct =>
        {
            ct.Register(() => { callbackRan = true; throw new Boom("callback at the stop"); });
            await EventLoop.Yield();
            return 42;
        });

        Assert.Equal(42, result);
        Assert.False(shared.IsRunning);
        Assert.False(callbackRan, "a registration on the token of work that has ended ran at the later stop");
    });

    [Fact]
    public void Await_WithATokenHeldElsewhere_TheLastReleaseDoesNotRunTheEndedWorksCallbackEither() => Guard.Run(() =>
    {
        var shared = new SharedLoop();
        var held = shared.StartLoop();
        var callbackRan = false;

        var result = shared.Await(async ct =>
        {
            ct.Register(() => { callbackRan = true; throw new Boom("callback at the stop"); });
            return 42;
        });
        held.Release(); // stops the loop: must not report a failure of work that ended long ago

        Assert.Equal(42, result);
        Assert.False(callbackRan);
    });

    [Fact]
    public void AwaitMultiple_WorkRegisteringThrowingCallbacksOnItsTokens_ReturnsTheResults() => Guard.Run(() =>
    {
        var shared = new SharedLoop();

        var results = shared.AwaitMultiple<int>(
        [
            async ct => { ct.Register(() => throw new Boom("first")); return 1; },
            async ct => { ct.Register(() => throw new Boom("second")); await EventLoop.Yield(); return 2; },
        ]);

        Assert.Equal([1, 2], results);
    });
}
