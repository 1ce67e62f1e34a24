namespace Nursery.Tests.Limits;

/// <summary>Failures / ChildFailure: the structured report beside the rethrown exception (contract section 7).</summary>
public class FailureReportTests
{
    [Fact]
    public void Failures_CleanupThatThrowsWhileCancelled_IsSecondaryAndTheCauseIsPrimary() => Virtual.Run(async loop =>
    {
        var cause = new Boom("cause");
        var cleanup = new Boom("cleanup");
        TaskManager manager = null!;
        ChildTask failing = null!, cleaning = null!;
        var thrown = await Catch.ExceptionAsync(async () =>
        {
            await using var tm = manager = new TaskManager(loop);
            cleaning = tm.Spawn(async () =>
            {
                try
                {
                    await EventLoop.Sleep(S(10));
                }
                finally
                {
                    await EventLoop.Yield().AsTask().ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(true);
                    throw cleanup;
                }
            });
            failing = tm.Spawn(async () => { await EventLoop.Sleep(S(1)); throw cause; });
        });
        // The join rethrows exactly as the contract says: both, in the order they happened.
        Assert.Equal([cause, cleanup], Assert.IsType<AggregateException>(thrown).InnerExceptions);
        Assert.Equal(
            [new ChildFailure(failing, cause, S(1), Primary: true), new ChildFailure(cleaning, cleanup, S(1), Primary: false)],
            manager.Failures);
    });

    [Fact]
    public void Failures_TwoChildrenFailingInTheSameTurn_AreBothPrimary() => Virtual.Run(async loop =>
    {
        TaskManager manager = null!;
        await Catch.ExceptionAsync(async () =>
        {
            await using var tm = manager = new TaskManager(loop);
            tm.Spawn(async () => { await EventLoop.Sleep(S(1)); throw new Boom("a"); });
            tm.Spawn(async () => { await EventLoop.Sleep(S(1)); throw new Boom("b"); });
        });
        Assert.Equal(2, manager.Failures.Count);
        Assert.All(manager.Failures, f => Assert.True(f.Primary));
    });

    [Fact]
    public void Failures_UnderCollectAll_AreAllPrimaryWithTheirLoopTimes() => Virtual.Run(async loop =>
    {
        TaskManager manager = null!;
        await Catch.ExceptionAsync(async () =>
        {
            await using var tm = manager = new TaskManager(loop, new TaskManagerOptions { FailurePolicy = FailurePolicy.CollectAll });
            tm.Spawn(async () => { await EventLoop.Sleep(S(2)); throw new Boom("late"); });
            tm.Spawn(async () => { await EventLoop.Sleep(S(1)); throw new Boom("early"); });
        });
        Assert.Equal(["boom: early@1", "boom: late@2"], manager.Failures.Select(f => $"{f.Exception.Message}@{f.At.TotalSeconds}"));
        Assert.All(manager.Failures, f => Assert.True(f.Primary));
    });

    [Fact]
    public void Failures_RunAsyncBodyFailure_IsRethrownButNotListed() => Virtual.Run(async loop =>
    {
        TaskManager manager = null!;
        var boom = new Boom("body");
        var thrown = await Catch.ExceptionAsync(() => TaskManager.RunAsync(async tm =>
        {
            manager = tm;
            await EventLoop.Sleep(S(1));
            throw boom;
        }));
        Assert.Same(boom, thrown);
        Assert.Empty(manager.Failures);
    });

    [Fact]
    public void DumpTree_MarksPrimaryAndSecondaryFailures() => Virtual.Run(async loop =>
    {
        var outer = new TaskManager(loop);
        TaskManager inner = null!;
        outer.Spawn(async () =>
        {
            await using var tm = inner = new TaskManager(loop, new TaskManagerOptions { FailurePolicy = FailurePolicy.CollectAll, Name = "workers" });
            tm.Spawn(async () => { await EventLoop.Sleep(S(1)); throw new Boom("cause"); }, "failing");
            tm.Spawn(async () =>
            {
                try
                {
                    await EventLoop.Sleep(S(10));
                }
                finally
                {
                    await EventLoop.Yield().AsTask().ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(true);
                    throw new Boom("cleanup");
                }
            }, "cleaning");
            tm.Spawn(async () => { await EventLoop.Sleep(S(2)); tm.Cancel(); await EventLoop.Sleep(S(10)); }, "canceller");
        });
        await EventLoop.Sleep(S(3));
        await Catch.ExceptionAsync(() => outer.DisposeAsync().AsTask());
        var dump = inner.DumpTree();
        Assert.Contains("'workers' ", dump);
        Assert.Contains("supervisor (CollectAll)", dump);
        Assert.Contains("failing: Faulted (primary failure: Boom: boom: cause)", dump);
        Assert.Contains("cleaning: Faulted (secondary failure, raised while being cancelled: Boom: boom: cleanup)", dump);
    });
}
