namespace Nursery.Tests.Nursery;

/// <summary>Auto-join: DisposeAsync waits for every child, including those that arrive while it waits.</summary>
public class JoinTests
{
    [Fact]
    public void DisposeAsync_WithRunningChildren_ReturnsWhenTheLastHasEnded() => Virtual.Run(async loop =>
    {
        ChildTask a, b, c;
        await using (var tm = new TaskManager(loop))
        {
            a = tm.Spawn(() => EventLoop.Sleep(S(3)));
            b = tm.Spawn(() => EventLoop.Sleep(S(1)));
            c = tm.Schedule(() => EventLoop.Sleep(S(1)), S(4));
        }
        Assert.Equal(S(5), loop.Now);
        Assert.All([a, b, c], child => Assert.Equal(ChildTaskStatus.Completed, child.Status));
    });

    [Fact]
    public void DisposeAsync_WithNoChildren_CompletesSynchronously() => Virtual.Run(async loop =>
    {
        var tm = new TaskManager(loop);
        var join = tm.DisposeAsync();
        Assert.True(join.IsCompletedSuccessfully);
        await join;
    });

    [Fact]
    public void DisposeAsync_ChildrenSpawnedByChildrenWhileJoining_AreJoinedToo() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        var tm = new TaskManager(loop);
        tm.Spawn(async () =>
        {
            await EventLoop.Sleep(S(1));
            tm.Spawn(async () =>
            {
                await EventLoop.Sleep(S(1));
                tm.Schedule(async () => log.Add("great-grandchild"), S(1));
                log.Add("grandchild");
            });
            log.Add("child");
        });

        await tm.DisposeAsync(); // starts joining at 0 s, while only the first child exists
        log.Add("joined");

        Assert.Equal(["1s child", "2s grandchild", "3s great-grandchild", "3s joined"], log.Entries);
        Assert.Equal(3, tm.Children.Count);
    });

    [Fact]
    public void DisposeAsync_LastChildSpawnsASiblingJustBeforeItEnds_WaitsForTheSibling() => Virtual.Run(async loop =>
    {
        var tm = new TaskManager(loop);
        var sibling = default(ChildTask);
        tm.Spawn(async () =>
        {
            await EventLoop.Sleep(S(1));
            sibling = tm.Spawn(() => EventLoop.Sleep(S(5)));
        });
        await tm.DisposeAsync();
        Assert.Equal(ChildTaskStatus.Completed, sibling!.Status);
        Assert.Equal(S(6), loop.Now);
    });

    [Fact]
    public void DisposeAsync_ChildSpawnedByATimerCallbackWhileJoining_IsJoined() => Virtual.Run(async loop =>
    {
        var tm = new TaskManager(loop);
        var late = default(ChildTask);
        tm.Spawn(() => EventLoop.Sleep(S(2)));
        using var timer = loop.TimeProvider.CreateTimer(
            _ => late = tm.Spawn(() => EventLoop.Sleep(S(10))), null, S(1), Timeout.InfiniteTimeSpan);

        await tm.DisposeAsync();

        Assert.Equal(ChildTaskStatus.Completed, late!.Status);
        Assert.Equal(S(11), loop.Now);
    });

    [Fact]
    public void AwaitUsing_BodyThrowsWhileChildrenRun_ChildrenAreNotCancelledAndTheExceptionWaitsForThem() => Virtual.Run(async loop =>
    {
        // 'await using' cannot see its body's exception: the children finish normally, then the exception goes on.
        var boom = new Boom("body");
        ChildTask<int>? child = null;
        var e = await Catch.ExceptionAsync(async () =>
        {
            await using var tm = new TaskManager(loop);
            child = tm.Spawn(async () => { await EventLoop.Sleep(S(5)); return 1; });
            await EventLoop.Sleep(S(1));
            throw boom;
        });
        Assert.Same(boom, e);
        Assert.Equal(S(5), loop.Now);
        Assert.Equal(1, child!.Result);
    });

    [Fact]
    public void Join_OfAManagerWithADeadlineStillAhead_LeavesNoTimerBehind() => Virtual.Run(async loop =>
    {
        await using (var tm = new TaskManager(loop))
        {
            tm.CancelScope.Deadline = loop.Now + TimeSpan.FromHours(1);
            tm.Spawn(() => EventLoop.Sleep(S(1)));
        }
        // Had the joined manager's deadline stayed armed, the virtual clock would jump to it: an hour of nothing.
        await loop.AdvanceUntilIdleAsync();
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void Join_OfAManagerWhoseOutsideTokenFired_ThrowsACancellationThatNamesTheManagerAndCarriesTheToken() => Virtual.Run(async loop =>
    {
        using var cts = new CancellationTokenSource();
        var tm = new TaskManager(loop, cts.Token);
        tm.Spawn(() => EventLoop.Sleep(TimeSpan.FromHours(1)));
        await EventLoop.Sleep(S(1));
        cts.Cancel();

        var e = await Catch.AnyAsync<OperationCanceledException>(() => tm.DisposeAsync().AsTask());

        Assert.Equal($"TaskManager #{tm.Id} was cancelled because the CancellationToken passed to it was cancelled.", e.Message);
        Assert.Equal(cts.Token, e.CancellationToken);
    });

    [Fact]
    public void AbandonedManager_SpawningIntoItInALaterRun_IsRefusedAsClosed() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        TaskManager? tm = null;
        loop.Run(async () =>
        {
            tm = new TaskManager(loop); // never joined: abandoned when this run ends
            tm.Spawn(() => EventLoop.Sleep(TimeSpan.FromHours(1)));
            await EventLoop.Yield();
        });

        var e = Record.Exception(() => loop.Run(() => { tm!.Spawn(() => Task.CompletedTask); return Task.CompletedTask; }));

        Assert.Contains("is closed", Assert.IsType<InvalidOperationException>(e).Message);
    });
}
