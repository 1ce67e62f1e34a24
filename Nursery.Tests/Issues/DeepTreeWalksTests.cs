namespace Nursery.Tests.Issues;

/// <summary>
/// Issue 13, bug 5: cancelling or abandoning a deeply nested tree overflowed the stack and killed the process:
/// <c>outer.Cancel()</c> on a chain child → manager → child … of depth ~30,000, depth 50,000 when abandoning, and
/// <c>LoopThread.Dispose</c> too. No tree walk may recurse on the call stack: cancelling, abandoning, stopping a
/// host and propagating a failure work at any depth that joining does.
/// </summary>
/// <remarks>
/// A stack overflow cannot be caught: on code that recurses these tests do not fail, they end the test process
/// ("Stack overflow"). The depths are the ones of the report; each level is one child holding one open manager.
/// </remarks>
public class DeepTreeWalksTests
{
    /// <summary>Building and unwinding 50,000 levels takes a few seconds under load; only a hang reaches this.</summary>
    private static readonly TimeSpan DeepGuard = TimeSpan.FromSeconds(120);

    [Fact]
    public void Cancel_OfAChainThirtyThousandManagersDeep_CancelsEveryLevel() => Virtual.Run(async loop =>
    {
        var bottom = new TaskCompletionSource<ChildTask>();
        var outer = new TaskManager(loop);
        var top = outer.Spawn(() => ChainAsync(loop, 30_000, bottom));
        var leaf = await bottom.Task;

        outer.Cancel();
        await outer.DisposeAsync();

        Assert.Equal(ChildTaskStatus.Cancelled, leaf.Status);
        Assert.Equal(ChildTaskStatus.Completed, top.Status); // each level's join absorbed its own cancellation
    }, timeout: DeepGuard);

    [Fact]
    public void RunEnding_WithAChainFiftyThousandManagersDeepOpen_AbandonsEveryLevel() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        ChildTask? top = null, leaf = null;
        loop.Run(async () =>
        {
            var bottom = new TaskCompletionSource<ChildTask>();
            var tm = new TaskManager(loop); // never joined: abandoned, with everything under it, when Run returns
            top = tm.Spawn(() => ChainAsync(loop, 50_000, bottom));
            leaf = await bottom.Task;
        });

        Assert.Equal(ChildTaskStatus.Cancelled, top!.Status);
        Assert.Equal(ChildTaskStatus.Cancelled, leaf!.Status);
    }, DeepGuard);

    [Fact]
    public void LoopThreadDispose_WithAChainFiftyThousandManagersDeep_StopsEveryLevel() => Guard.Run(() =>
    {
        var bottom = new TaskCompletionSource<ChildTask>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task submitted;
        using (var host = new LoopThread()) // the system clock: a virtual one would jump to the leaf's hour and end it
        {
            submitted = host.Submit(ct => ChainAsync(host.Loop, 50_000, bottom));
            Assert.True(bottom.Task.Wait(DeepGuard));
        }

        Assert.True(submitted.IsCompleted);
#pragma warning disable VSTHRD002, VSTHRD103 // completed: reading the result does not block
        Assert.Equal(ChildTaskStatus.Cancelled, bottom.Task.Result.Status);
#pragma warning restore VSTHRD002, VSTHRD103
    }, DeepGuard);

    /// <remarks>
    /// Propagation goes up one level per turn of the loop (a join wakes its joiner through the run queue), so it
    /// never recurses; its cost at depth is the runtime's, which extends the exception's stack trace at every level
    /// it is rethrown (quadratic in the depth, as for plain async recursion: docs/semantics.md has the numbers). Hence
    /// a smaller depth here than for the walks above.
    /// </remarks>
    [Fact]
    public void Failure_AtTheBottomOfAChainAThousandManagersDeep_ReachesTheTopAsTheSameObject() => Virtual.Run(async loop =>
    {
        var boom = new Boom("bottom");
        var outer = new TaskManager(loop);
        outer.Spawn(() => FailingChainAsync(loop, 1_000, boom));

        var e = await Catch.ExceptionAsync(async () => await outer.DisposeAsync());

        Assert.Same(boom, e);
    }, timeout: DeepGuard);

    /// <summary>
    /// One level of the chain: a manager with one child that is the next level. The last level reports its child
    /// and waits until cancelled.
    /// </summary>
    internal static async Task ChainAsync(EventLoop loop, int depth, TaskCompletionSource<ChildTask> bottom)
    {
        await using var tm = new TaskManager(loop);
        if (depth > 1)
        {
            tm.Spawn(() => ChainAsync(loop, depth - 1, bottom));
        }
        else
        {
            ChildTask? leaf = null;
            leaf = tm.Spawn(async () =>
            {
                bottom.SetResult(leaf!);
                await EventLoop.Sleep(TimeSpan.FromHours(1));
            });
        }
    }

    private static async Task FailingChainAsync(EventLoop loop, int depth, Exception failure)
    {
        await using var tm = new TaskManager(loop);
        if (depth > 1) tm.Spawn(() => FailingChainAsync(loop, depth - 1, failure));
        else tm.Spawn(() => Failing.AfterAsync(S(1), failure));
    }
}
