namespace Nursery.Tests.Limits;

/// <summary>FailurePolicy.CollectAll: a supervisor. Failures do not cancel siblings; the join reports them all.</summary>
public class CollectAllTests
{
    private static readonly TaskManagerOptions s_supervisor = new() { FailurePolicy = FailurePolicy.CollectAll };

    [Fact]
    public void CollectAll_OneFailure_SiblingsRunToTheEndAndTheJoinRethrowsThatObject() => Virtual.Run(async loop =>
    {
        var boom = new Boom("one");
        ChildTask<int> sibling = null!;
        var thrown = await Catch.ExceptionAsync(async () =>
        {
            await using var tm = new TaskManager(loop, s_supervisor);
            tm.Spawn(async () => { await EventLoop.Sleep(S(1)); throw boom; });
            sibling = tm.Spawn(async () => { await EventLoop.Sleep(S(3)); return 7; });
        });
        Assert.Same(boom, thrown);
        Assert.Equal(7, sibling.Result);
        Assert.Equal(S(3), loop.Now);
    });

    [Fact]
    public void CollectAll_SeveralFailures_AggregateInTheOrderTheyHappened() => Virtual.Run(async loop =>
    {
        var late = new Boom("late");
        var early = new Boom("early");
        var thrown = await Catch.ExceptionAsync(async () =>
        {
            await using var tm = new TaskManager(loop, s_supervisor);
            tm.Spawn(async () => { await EventLoop.Sleep(S(2)); throw late; });
            tm.Spawn(async () => { await EventLoop.Sleep(S(1)); throw early; });
            tm.Spawn(() => EventLoop.Sleep(S(3)));
        });
        var aggregate = Assert.IsType<AggregateException>(thrown);
        Assert.Equal([early, late], aggregate.InnerExceptions);
        Assert.Equal(S(3), loop.Now);
    });

    [Fact]
    public void CollectAll_RunAsyncBody_KeepsRunningWhenAChildFails() => Virtual.Run(async loop =>
    {
        var boom = new Boom("child");
        var log = new EventLog(loop);
        var thrown = await Catch.ExceptionAsync(() => TaskManager.RunAsync(s_supervisor, async tm =>
        {
            tm.Spawn(async () => { await EventLoop.Sleep(S(1)); throw boom; });
            await EventLoop.Sleep(S(2));
            log.Add("body still running");
        }));
        Assert.Same(boom, thrown);
        Assert.Equal(["2s body still running"], log.Entries);
    });

    [Fact]
    public void CollectAll_FailingBody_StillCancelsTheChildren() => Virtual.Run(async loop =>
    {
        var boom = new Boom("body");
        ChildTask child = null!;
        var thrown = await Catch.ExceptionAsync(() => TaskManager.RunAsync(s_supervisor, async tm =>
        {
            child = tm.Spawn(() => EventLoop.Sleep(S(10)));
            await EventLoop.Sleep(S(1));
            throw boom;
        }));
        Assert.Same(boom, thrown);
        Assert.Equal(ChildTaskStatus.Cancelled, child.Status);
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void CollectAll_Cancel_StillCancelsEverything() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop, s_supervisor);
        var a = tm.Spawn(() => EventLoop.Sleep(S(10)));
        var b = tm.Schedule(() => EventLoop.Sleep(S(10)), S(5));
        await EventLoop.Sleep(S(1));
        tm.Cancel();
        await tm.DisposeAsync();
        Assert.Equal(ChildTaskStatus.Cancelled, a.Status);
        Assert.Equal(ChildTaskStatus.Cancelled, b.Status);
    });

    [Fact]
    public void CollectAll_NestedFailure_FailsTheOwningChildButNotItsSiblings() => Virtual.Run(async loop =>
    {
        var boom = new Boom("inner");
        ChildTask<string> sibling = null!;
        var thrown = await Catch.ExceptionAsync(async () =>
        {
            await using var supervisor = new TaskManager(loop, s_supervisor);
            supervisor.Spawn(async () =>
            {
                await using var inner = new TaskManager(loop);
                inner.Spawn(async () => { await EventLoop.Sleep(S(1)); throw boom; });
            });
            sibling = supervisor.Spawn(async () => { await EventLoop.Sleep(S(2)); return "done"; });
        });
        Assert.Same(boom, thrown);
        Assert.Equal("done", sibling.Result);
    });

    [Fact]
    public void CollectAll_WithALimit_AFailureFreesItsSlotForTheNextChild() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        var thrown = await Catch.ExceptionAsync(async () =>
        {
            await using var tm = new TaskManager(loop, s_supervisor with { MaxConcurrency = 1 });
            tm.Spawn(async () => { log.Add("a"); await EventLoop.Sleep(S(1)); throw new Boom("a"); });
            tm.Spawn(async () => { log.Add("b"); await EventLoop.Sleep(S(1)); });
        });
        Assert.IsType<Boom>(thrown);
        Assert.Equal(["0s a", "1s b"], log.Entries);
    });
}
