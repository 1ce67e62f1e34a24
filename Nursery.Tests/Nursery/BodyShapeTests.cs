namespace Nursery.Tests.Nursery;

/// <summary>Bodies that are not well-behaved async methods: null tasks, synchronous throws, finished tasks.</summary>
public class BodyShapeTests
{
    [Fact]
    public void Spawn_BodyReturnsNull_ChildFaultsWithInvalidOperationExceptionAndTheJoinReportsIt() => Virtual.Run(async loop =>
    {
        var tm = new TaskManager(loop);
#pragma warning disable VSTHRD114 // Returning null instead of a task is the misuse under test.
        var child = tm.Spawn(() => (Task)null!);
        var generic = tm.Spawn(ct => (Task<int>)null!);
#pragma warning restore VSTHRD114
        var e = await Catch.ExceptionAsync(() => tm.DisposeAsync().AsTask());

        // Whichever starts first faults, and its failure cancels the other before it starts (FIFO: the plain one first).
        var (failed, cancelled) = child.Status == ChildTaskStatus.Faulted ? (child, (ChildTask)generic) : (generic, child);
        Assert.Equal(ChildTaskStatus.Faulted, failed.Status);
        var failure = Assert.IsType<InvalidOperationException>(failed.Exception);
        Assert.Contains($"child #{failed.Id} returned null", failure.Message, StringComparison.Ordinal);
        Assert.Same(failure, e);
        Assert.Equal(ChildTaskStatus.Cancelled, cancelled.Status);
    });

    [Fact]
    public void Spawn_BodyThrowsSynchronously_FailsTheChildWithTheSameObjectAndCancelsSiblings() => Virtual.Run(async loop =>
    {
        var boom = new Boom("sync");
        var tm = new TaskManager(loop);
        var sibling = tm.Spawn(() => EventLoop.Sleep(S(10)));
        var child = tm.Spawn(ct => throw boom);

        Assert.Same(boom, await Catch.ExceptionAsync(() => tm.DisposeAsync().AsTask()));
        Assert.Same(boom, child.Exception);
        Assert.Equal(ChildTaskStatus.Cancelled, sibling.Status);
    });

    [Trait("Schedule", "Fifo")]
    [Fact]
    public void Spawn_BodyReturnsAFinishedTask_CompletesOnItsFirstTurnWithTheResult() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(() => Task.FromResult("ready"));
        await EventLoop.Yield();
        Assert.Equal(ChildTaskStatus.Completed, child.Status);
        Assert.Equal("ready", tm.Values[child]);
    });

    [Fact]
    public void Spawn_BodyReturnsAnAlreadyFaultedTask_FailsWithThatException() => Virtual.Run(async loop =>
    {
        var boom = new Boom("prefaulted");
        var tm = new TaskManager(loop);
        var child = tm.Spawn(() => Task.FromException<int>(boom));
        Assert.Same(boom, await Catch.ExceptionAsync(() => tm.DisposeAsync().AsTask()));
        Assert.Equal(ChildTaskStatus.Faulted, child.Status);
    });

    [Fact]
    public void Spawn_BodyFaultsWithSeveralExceptions_ReportsThemAllInOneFailure() => Virtual.Run(async loop =>
    {
        var first = new Boom("first");
        var second = new Boom("second");
        var tm = new TaskManager(loop);
        var child = tm.Spawn(() => Task.WhenAll(Failing.AfterAsync(S(1), first), Failing.AfterAsync(S(1), second)));

        var e = await Catch.ExceptionAsync(() => tm.DisposeAsync().AsTask());

        var aggregate = Assert.IsType<AggregateException>(e);
        Assert.Same(child.Exception, aggregate); // one child, one failure, carrying both exceptions
        Assert.Equal([first, second], aggregate.InnerExceptions.OrderBy(e => ((Boom)e).Tag)); // in the order they failed
    });

    [Fact]
    public void Spawn_BodyReturnsATaskCancelledByAForeignToken_IsAFailure() => Virtual.Run(async loop =>
    {
        using var foreign = new CancellationTokenSource();
        foreign.Cancel();
        var tm = new TaskManager(loop);
        var child = tm.Spawn(() => Task.FromCanceled(foreign.Token));
        var e = await Catch.AnyAsync<OperationCanceledException>(() => tm.DisposeAsync().AsTask());
        Assert.Equal(foreign.Token, e.CancellationToken);
        Assert.Equal(ChildTaskStatus.Faulted, child.Status);
    });

    [Fact]
    public void Spawn_BodyThrowsOperationCanceledExceptionSynchronouslyAfterItWasCancelled_EndsCancelled() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        ChildTask? self = null;
        self = tm.Spawn(ct =>
        {
            self!.Cancel();
            ct.ThrowIfCancellationRequested();
            return Task.CompletedTask;
        });
        await tm.DisposeAsync();
        Assert.Equal(ChildTaskStatus.Cancelled, self.Status);
    });
}
