namespace Nursery.Tests.Nursery;

/// <summary>ChildTask.Completion: a task that mirrors the child's end, asked for before or after that end.</summary>
public class CompletionTests
{
    [Fact]
    public void Completion_AskedForBeforeTheEnd_CompletesWithTheResult() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async () => { await EventLoop.Sleep(S(1)); return 7; });
        var completion = child.Completion;
        Assert.False(completion.IsCompleted);
        Assert.Equal(7, await completion);
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void Completion_AskedForAfterTheEnd_IsAlreadyCompletedWithTheResult() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async () => 8);
        await loop.RunCurrentAsync();
        Assert.Equal(ChildTaskStatus.Completed, child.Status);
        var completion = child.Completion;
        Assert.True(completion.IsCompletedSuccessfully);
        Assert.Equal(8, await completion);
    });

    [Fact]
    public void Completion_ReadRepeatedly_IsTheSameTaskThroughBothProperties() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var before = tm.Spawn(async () => { await EventLoop.Sleep(S(1)); return 1; });
        var after = tm.Spawn(async () => 2);
        Assert.Same(before.Completion, before.Completion);
        Assert.Same(before.Completion, ((ChildTask)before).Completion);
        await tm.DisposeAsync();
        Assert.Same(after.Completion, ((ChildTask)after).Completion);
        Assert.Same(after.Completion, after.Completion);
    });

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Completion_OfAFaultedChild_FailsWithTheSameExceptionObject(bool askBeforeTheEnd) => Virtual.Run(async loop =>
    {
        var boom = new Boom("f");
        var tm = new TaskManager(loop);
        var child = tm.Spawn(() => Failing.AfterAsync<int>(S(1), boom));
        var early = askBeforeTheEnd ? child.Completion : null;
        await Catch.ExactlyAsync<Boom>(() => tm.DisposeAsync().AsTask());

        var completion = early ?? child.Completion;
        Assert.True(completion.IsFaulted);
        Assert.Same(boom, Assert.Single(completion.Exception!.InnerExceptions));
        Assert.Same(boom, await Catch.ExceptionAsync(() => completion));
        Assert.Same(boom, await Catch.ExceptionAsync(() => ((ChildTask)child).Completion));
    });

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Completion_OfACancelledChild_IsCancelled(bool askBeforeTheEnd) => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async ct => { await EventLoop.Sleep(S(10), ct); return 1; });
        var early = askBeforeTheEnd ? child.Completion : null;
        await loop.RunCurrentAsync();
        child.Cancel();
        await tm.DisposeAsync();

        var completion = early ?? child.Completion;
        Assert.True(completion.IsCanceled);
        await Catch.AnyAsync<OperationCanceledException>(() => completion);
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });

    [Fact]
    public void Completion_OfAChildCancelledBeforeItStarted_IsCancelled() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var child = tm.Schedule(async () => { }, S(1));
        var completion = child.Completion;
        child.Cancel();
        await Catch.AnyAsync<OperationCanceledException>(() => completion);
        Assert.Equal(ChildTaskStatus.Cancelled, child.Status);
    });

    [Fact]
    public void Completion_OfAChildWithoutResult_RunsToCompletion() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(() => EventLoop.Sleep(S(1)));
        await child.Completion;
        Assert.True(child.Completion.IsCompletedSuccessfully);
    });

    [Fact]
    public void Completion_AskedForFromAnotherThreadBeforeTheEnd_EndsWhenTheChildEnds() => Virtual.Run(async loop =>
    {
        var clock = (VirtualClock)loop.Clock;
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async () => { await EventLoop.Sleep(S(1)); return 42; });
        await loop.RunCurrentAsync(); // the child is asleep (under any schedule seed) before the pool thread asks

        // Asked for on a pool thread while the child sleeps (StartNew, unlike Task.Run, does not unwrap the task).
        var completion = await Task.Factory.StartNew(() => child.Completion, CancellationToken.None, TaskCreationOptions.None, TaskScheduler.Default);
        Assert.False(completion.IsCompleted);
        clock.Advance(S(1));
        Assert.Equal(42, await completion);
    }, clock: new VirtualClock { AutoJump = false });

    [Fact]
    public void Completion_ObservedByAwaiting_DoesNotSwallowTheFailureFromTheJoin() => Virtual.Run(async loop =>
    {
        var boom = new Boom("f");
        var tm = new TaskManager(loop);
        var child = tm.Spawn(() => Failing.AfterAsync(S(1), boom));
        Assert.Same(boom, await Catch.ExceptionAsync(() => child.Completion));
        Assert.Same(boom, await Catch.ExceptionAsync(() => tm.DisposeAsync().AsTask()));
    });

    [Fact]
    public void Completion_Awaited_DoesNotCancelOrOtherwiseAffectTheChild() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async ct => { await EventLoop.Sleep(S(3), ct); return ct.IsCancellationRequested; });
        Assert.False(await child.Completion);
        Assert.Equal(S(3), loop.Now);
    });
}
