namespace Nursery.Tests.Nursery;

/// <summary>Values: the result of every completed child, and nothing else.</summary>
public class ValuesTests
{
    [Fact]
    public void Values_AfterTheJoin_HoldsEveryCompletedChildsResultAndNullForChildrenWithoutOne() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var number = tm.Spawn(async () => 42);
        var text = tm.Schedule(async ct => "late", S(1));
        var nothing = tm.Spawn(async () => { });
        var nullResult = tm.Spawn<string?>(async () => null);
        var zero = tm.Spawn(async () => 0);
        await tm.DisposeAsync();

        var values = tm.Values;
        Assert.Equal(5, values.Count);
        Assert.Equal(42, values[number]);
        Assert.Equal("late", values[text]);
        Assert.True(values.ContainsKey(nothing));
        Assert.Null(values[nothing]);
        Assert.True(values.ContainsKey(nullResult));
        Assert.Null(values[nullResult]);
        Assert.Equal(0, values[zero]);
    });

    [Fact]
    public void Values_CancelledAndFaultedChildren_AreAbsent() => Virtual.Run(async loop =>
    {
        var tm = new TaskManager(loop);
        var done = tm.Spawn(async () => "done");
        var cancelled = tm.Spawn(async () => { await EventLoop.Sleep(S(5)); return "cancelled"; });
        var neverStarted = tm.Schedule(async () => "never", S(10));
        var faulted = tm.Spawn(() => Failing.AfterAsync<string>(S(1), new Boom("f")));
        await Catch.ExactlyAsync<Boom>(() => tm.DisposeAsync().AsTask());

        Assert.Equal([done], tm.Values.Keys);
        Assert.Equal(ChildTaskStatus.Cancelled, cancelled.Status);
        Assert.Equal(ChildTaskStatus.Cancelled, neverStarted.Status);
        Assert.Equal(ChildTaskStatus.Faulted, faulted.Status);
    });

    [Fact]
    public void Values_WhileChildrenRun_ShowsOnlyThoseCompletedSoFar() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var first = tm.Spawn(async () => { await EventLoop.Sleep(S(1)); return 1; });
        var second = tm.Spawn(async () => { await EventLoop.Sleep(S(2)); return 2; });
        Assert.Empty(tm.Values);
        await EventLoop.Sleep(Ms(1500));
        Assert.Equal([first], tm.Values.Keys);
        await EventLoop.Sleep(S(1));
        Assert.Equal(2, tm.Values.Count);
        Assert.Equal(2, tm.Values[second]);
    });

    [Fact]
    public void Values_ReadAgainWithoutAChange_IsTheSameInstance() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        tm.Spawn(async () => 1);
        var cancelled = tm.Spawn(() => EventLoop.Sleep(S(10)));
        var faulted = tm.Spawn(() => Failing.AfterAsync(S(1), new Boom("x")));
        await loop.RunCurrentAsync();

        var first = tm.Values;
        Assert.Same(first, tm.Values);

        cancelled.Cancel();
        await cancelled.Completion.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, loop.TaskScheduler);
        Assert.Same(first, tm.Values); // a cancelled child changes nothing

        await Catch.ExactlyAsync<Boom>(() => tm.DisposeAsync().AsTask());
        Assert.Same(first, tm.Values); // nor does a faulted one
    });

    [Fact]
    public void Values_AfterAnotherChildCompletes_IsANewInstanceAndTheOldSnapshotIsUnchanged() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var a = tm.Spawn(async () => "a");
        var b = tm.Spawn(async () => { await EventLoop.Sleep(S(1)); return "b"; });
        await a.Completion;
        var before = tm.Values;
        await b.Completion;
        var after = tm.Values;

        Assert.NotSame(before, after);
        Assert.Equal([a], before.Keys);
        Assert.Equal(2, after.Count);
    });

    [Fact]
    public void Values_AfterTheLoopHasStopped_IsReadableFromAnyThread() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        var (tm, child) = loop.Run(async () =>
        {
            var manager = new TaskManager(loop);
            var c = manager.Spawn(async () => { await EventLoop.Sleep(S(1)); return "kept"; });
            await manager.DisposeAsync();
            return (manager, c);
        });

        Assert.Equal("kept", tm.Values[child]);
        Assert.Equal("kept", Task.Run(() => tm.Values[child]).GetAwaiter().GetResult());
        Assert.Equal([child], tm.Children);
    });

    [Fact]
    public void Values_OfANestedManager_HoldOnlyItsOwnChildren() => Virtual.Run(async loop =>
    {
        TaskManager? inner = null;
        ChildTask<string>? grandchild = null;
        await using var outer = new TaskManager(loop);
        var owner = outer.Spawn(async () =>
        {
            await using (inner = new TaskManager(loop))
                grandchild = inner.Spawn(async () => "grandchild");
            return "owner";
        });
        await outer.DisposeAsync();

        Assert.Equal([owner], outer.Values.Keys);
        Assert.Equal([(ChildTask)grandchild!], inner!.Values.Keys);
    });
}
