namespace Nursery.Tests.Nursery;

/// <summary>ChildTask&lt;T&gt;.Result and ChildTask.Exception.</summary>
public class ResultTests
{
    [Fact]
    public void Result_WhileScheduled_ThrowsInvalidOperationExceptionNamingTheStatus() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var child = tm.Schedule(async () => 1, S(1));
        var e = Assert.Throws<InvalidOperationException>(() => child.Result);
        Assert.Equal(
            $"Child #{child.Id} has no result: its status is Scheduled. A result exists only once the child has Completed; " +
            "join it first (await child.Completion, or the end of its TaskManager's 'await using' block).",
            e.Message);
    });

    [Fact]
    public void Result_ReadByTheRunningChildItself_ThrowsInvalidOperationException() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        ChildTask<int>? child = null;
        Exception? seen = null;
        child = tm.Spawn(async () =>
        {
            seen = Record.Exception(() => child!.Result);
            return 1;
        });
        await tm.DisposeAsync();
        Assert.Contains("Running", Assert.IsType<InvalidOperationException>(seen).Message, StringComparison.Ordinal);
        Assert.Equal(1, child.Result);
    });

    [Fact]
    public void Result_OfAFaultedChild_ThrowsInvalidOperationExceptionAndExceptionIsTheFailure() => Virtual.Run(async loop =>
    {
        var boom = new Boom("f");
        var tm = new TaskManager(loop);
        var child = tm.Spawn<int>(async () => { await EventLoop.Yield(); throw boom; });
        await Catch.ExactlyAsync<Boom>(() => tm.DisposeAsync().AsTask());

        Assert.Contains("Faulted", Assert.Throws<InvalidOperationException>(() => child.Result).Message, StringComparison.Ordinal);
        Assert.Same(boom, child.Exception);
    });

    [Fact]
    public void Result_OfACancelledChild_ThrowsInvalidOperationExceptionAndExceptionIsNull() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async () => { await EventLoop.Sleep(S(1)); return 1; });
        child.Cancel();
        await tm.DisposeAsync();

        Assert.Contains("Cancelled", Assert.Throws<InvalidOperationException>(() => child.Result).Message, StringComparison.Ordinal);
        Assert.Null(child.Exception);
    });

    [Fact]
    public void Exception_BeforeAndAfterASuccessfulRun_IsNull() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async () => 5);
        Assert.Null(child.Exception);
        await tm.DisposeAsync();
        Assert.Null(child.Exception);
        Assert.Equal(5, child.Result);
    });

    [Fact]
    public void Result_AfterCompletion_IsReadableFromAnotherThread() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async () => "value");
        await child.Completion;
        Assert.Equal("value", await Task.Run(() => child.Result));
    });
}
