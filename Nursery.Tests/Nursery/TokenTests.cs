namespace Nursery.Tests.Nursery;

/// <summary>The body's token fires for the child, its manager or any enclosing manager; the manager's Token for the manager.</summary>
public class TokenTests
{
    [Fact]
    public void Token_ChildCancelled_FiresForThatChildOnly() => Virtual.Run(async loop =>
    {
        var tokens = new Dictionary<string, CancellationToken>();
        await using var tm = new TaskManager(loop);
        var victim = tm.Spawn(async ct => { tokens["victim"] = ct; await EventLoop.Sleep(S(1)); });
        tm.Spawn(async ct => { tokens["sibling"] = ct; await EventLoop.Sleep(S(2)); });
        await loop.RunCurrentAsync();
        victim.Cancel();

        Assert.True(tokens["victim"].IsCancellationRequested);
        Assert.False(tokens["sibling"].IsCancellationRequested);
        Assert.False(tm.Token.IsCancellationRequested);
    });

    [Fact]
    public void Token_ManagerCancelled_FiresForEveryChildAndTheManager() => Virtual.Run(async loop =>
    {
        var tokens = new List<CancellationToken>();
        await using var tm = new TaskManager(loop);
        var managerToken = tm.Token;
        for (var i = 0; i < 3; i++) tm.Spawn(async ct => { tokens.Add(ct); await EventLoop.Sleep(S(1)); });
        await loop.RunCurrentAsync();
        Assert.False(managerToken.IsCancellationRequested);
        tm.Cancel();

        Assert.True(managerToken.IsCancellationRequested);
        Assert.Equal(3, tokens.Count);
        Assert.All(tokens, t => Assert.True(t.IsCancellationRequested));
    });

    [Fact]
    public void Token_EnclosingManagerCancelled_FiresInGrandchildrenAndTheInnerManager() => Virtual.Run(async loop =>
    {
        CancellationToken grandchildToken = default, innerToken = default;
        var reachedInner = new TaskCompletionSource();
        await using var outer = new TaskManager(loop);
        outer.Spawn(async () =>
        {
            await using var inner = new TaskManager(loop);
            innerToken = inner.Token;
            inner.Spawn(async ct =>
            {
                grandchildToken = ct;
                reachedInner.SetResult();
                await EventLoop.Sleep(S(10));
            });
        });
        await reachedInner.Task;
        outer.Cancel();

        Assert.True(grandchildToken.IsCancellationRequested);
        Assert.True(innerToken.IsCancellationRequested);
    });

    [Fact]
    public void Token_OfTheManager_FiresWhenAChildFails() => Virtual.Run(async loop =>
    {
        var tm = new TaskManager(loop);
        var token = tm.Token;
        tm.Spawn(() => Failing.AfterAsync(S(1), new Boom("x")));
        await Catch.ExactlyAsync<Boom>(() => tm.DisposeAsync().AsTask());
        Assert.True(token.IsCancellationRequested);
        Assert.True(tm.IsCancellationRequested);
    });

    [Fact]
    public void Token_FirstReadAfterTheManagerWasCancelled_IsAlreadyCancelled() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        tm.Cancel();
        Assert.True(tm.Token.IsCancellationRequested);
    });

    [Fact]
    public void Token_ReadFromAnotherThread_IsTheManagersTokenAndFiresWithIt() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var (token, cancelledThere) = await Task.Run(() => (tm.Token, tm.IsCancellationRequested));
        Assert.False(cancelledThere);
        tm.Cancel();
        Assert.True(token.IsCancellationRequested);
        Assert.True(await Task.Run(() => tm.IsCancellationRequested));
    });

    [Fact]
    public void Checkpoint_InACancelledChildWithAToken_ThrowsWithThatToken() => Virtual.Run(async loop =>
    {
        var matched = new List<string>();
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async ct =>
        {
            await EventLoop.Yield();
            try { await EventLoop.Sleep(S(5)); }
            catch (OperationCanceledException e) when (e.CancellationToken == ct) { matched.Add("pending sleep"); }
            try { await EventLoop.Yield(); }
            catch (OperationCanceledException e) when (e.CancellationToken == ct) { matched.Add("later yield"); }
            try { await EventLoop.Sleep(S(1)); }
            catch (OperationCanceledException e) when (e.CancellationToken == ct) { matched.Add("later sleep"); }
        });
        await loop.RunCurrentAsync(); // the child is in its 5 s sleep, whatever the schedule's order
        child.Cancel();
        await tm.DisposeAsync();
        Assert.Equal(["pending sleep", "later yield", "later sleep"], matched);
    });

    [Fact]
    public void Token_BodyWithoutCancellation_IsNotCancelledAtTheEnd() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async ct => { await EventLoop.Sleep(S(1)); return ct; });
        await tm.DisposeAsync();
        Assert.True(child.Result.CanBeCanceled);
        Assert.False(child.Result.IsCancellationRequested);
    });
}
