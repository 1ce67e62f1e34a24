namespace Nursery.Tests.Issues;

/// <summary>
/// Issue 13, bug 4: a child awaiting its own manager's <c>DisposeAsync</c> (directly, or an enclosing manager's)
/// deadlocked the loop silently: the join waits for the child, which waits for the join. It is refused with an
/// <see cref="InvalidOperationException"/>, as the other self-deadlocks are refused.
/// </summary>
public class ChildJoiningItsOwnManagerTests
{
    /// <summary>Only a deadlock takes this long in virtual time.</summary>
    private static readonly TimeSpan DeadlockGuard = TimeSpan.FromSeconds(5);

    [Fact]
    public void Child_AwaitingItsOwnManagersDisposeAsyncWhileItJoins_FailsWithInvalidOperationException() => Virtual.Run(async loop =>
    {
        var tm = new TaskManager(loop);
        var child = tm.Spawn(async () =>
        {
            await EventLoop.Yield();
            await tm.DisposeAsync(); // the manager is joining already
        });

        var e = await Catch.ExceptionAsync(async () => await tm.DisposeAsync());

        Assert.IsType<InvalidOperationException>(e);
        Assert.Same(e, child.Exception);
    }, timeout: DeadlockGuard);

    [Fact]
    public void Child_AwaitingItsOwnManagersDisposeAsyncBeforeTheJoin_FailsWithInvalidOperationException() => Virtual.Run(async loop =>
    {
        var tm = new TaskManager(loop);
        var child = tm.Spawn(async () => await tm.DisposeAsync()); // the manager is still open
        await EventLoop.Sleep(S(1));

        Assert.Equal(ChildTaskStatus.Faulted, child.Status);
        Assert.IsType<InvalidOperationException>(child.Exception);
        Assert.Same(child.Exception, await Catch.ExceptionAsync(async () => await tm.DisposeAsync()));
    }, timeout: DeadlockGuard);

    [Fact]
    public void Child_AwaitingItsOwnManagersDisposeAsync_TheMessageNamesTheChildTheManagerAndTheFix() => Virtual.Run(async loop =>
    {
        var tm = new TaskManager(loop);
        var child = tm.Spawn(async () => await tm.DisposeAsync(), "joiner");
        await EventLoop.Sleep(S(1));

        var message = Assert.IsType<InvalidOperationException>(child.Exception).Message;
        Assert.Contains($"Child {child.Label} of TaskManager #{tm.Id}", message);
        Assert.Contains("is waiting for its own manager to finish joining", message);
        Assert.Contains("a deadlock", message);
        Assert.Contains("Let the child return instead", message);
        await Catch.ExceptionAsync(async () => await tm.DisposeAsync());
    }, timeout: DeadlockGuard);

    [Fact]
    public void Grandchild_AwaitingAnEnclosingManagersDisposeAsync_FailsWithInvalidOperationException() => Virtual.Run(async loop =>
    {
        var outer = new TaskManager(loop);
        ChildTask? grandchild = null;
        outer.Spawn(async () =>
        {
            await using var inner = new TaskManager(loop);
            grandchild = inner.Spawn(async () =>
            {
                await EventLoop.Yield();
                await outer.DisposeAsync();
            });
        });

        var e = await Catch.ExceptionAsync(async () => await outer.DisposeAsync());

        Assert.IsType<InvalidOperationException>(e);
        Assert.Same(e, grandchild!.Exception);
    }, timeout: DeadlockGuard);
}
