namespace Nursery.Tests.Limits;

/// <summary>WhenEach: children as they end, with exactly the ordering and completion rules of contract section 7.</summary>
public class WhenEachTests
{
    private static async Task<List<string>> NamesAsync(IAsyncEnumerable<ChildTask> children, EventLoop loop)
    {
        var seen = new List<string>();
        await foreach (var child in children) seen.Add($"{loop.Now.TotalSeconds:0.###}s {child.Name} {child.Status}");
        return seen;
    }

    [Fact]
    public void WhenEach_YieldsChildrenInCompletionOrder_AsTheyEnd() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        tm.Spawn(() => EventLoop.Sleep(S(3)), "slow");
        tm.Spawn(() => EventLoop.Sleep(S(1)), "fast");
        tm.Spawn(() => EventLoop.Sleep(S(2)), "medium");
        var seen = await NamesAsync(tm.WhenEach(), loop);
        Assert.Equal(["1s fast Completed", "2s medium Completed", "3s slow Completed"], seen);
    });

    [Fact]
    public void WhenEach_ChildrenEndingAtTheSameLoopTime_ComeInSpawnOrder() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        // 'a' ends a few turns after 'b', at the same loop time: spawn order wins.
        tm.Spawn(async () => { await EventLoop.Sleep(S(1)); await EventLoop.Yield(); await EventLoop.Yield(); }, "a");
        tm.Spawn(() => EventLoop.Sleep(S(1)), "b");
        tm.Spawn(() => EventLoop.Sleep(S(2)), "c");
        var seen = await NamesAsync(tm.WhenEach(), loop);
        Assert.Equal(["1s a Completed", "1s b Completed", "2s c Completed"], seen);
    });

    [Fact]
    public void WhenEach_ChildrenThatEndedBeforeTheCall_ComeFirstInTheOrderTheyEnded() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        tm.Spawn(() => EventLoop.Sleep(S(2)), "second");
        tm.Spawn(() => EventLoop.Sleep(S(1)), "first");
        tm.Spawn(() => EventLoop.Sleep(S(5)), "later");
        await EventLoop.Sleep(S(3));
        var seen = await NamesAsync(tm.WhenEach(), loop);
        Assert.Equal(["3s first Completed", "3s second Completed", "5s later Completed"], seen);
    });

    [Fact]
    public void WhenEach_ChildrenSpawnedWhileEnumerating_AreIncluded() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        tm.Spawn(() => EventLoop.Sleep(S(1)), "seed");
        var seen = new List<string>();
        var more = 2;
        await foreach (var child in tm.WhenEach())
        {
            seen.Add(child.Name!);
            if (more-- > 0) tm.Spawn(() => EventLoop.Sleep(S(1)), $"spawned {2 - more}");
        }
        Assert.Equal(["seed", "spawned 1", "spawned 2"], seen);
        Assert.Equal(S(3), loop.Now);
    });

    [Fact]
    public void WhenEach_InsideARunAsyncBody_CompletesOnceEveryChildHasEnded() => Virtual.Run(async loop =>
    {
        var seen = await TaskManager.RunAsync(async tm =>
        {
            tm.Spawn(async () => 1, "x");
            tm.Spawn(async () => { await EventLoop.Sleep(S(1)); return 2; }, "y");
            var results = new List<int>();
            await foreach (var child in tm.WhenEach()) results.Add(((ChildTask<int>)child).Result);
            return results;
        });
        Assert.Equal([1, 2], seen);
    });

    [Fact]
    public void WhenEach_ConsumedInsideAChild_DoesNotWaitForThatChild() => Virtual.Run(async loop =>
    {
        var seen = new List<string>();
        await using (var tm = new TaskManager(loop))
        {
            tm.Spawn(() => EventLoop.Sleep(S(1)), "worker");
            tm.Spawn(async () =>
            {
                // Nested at depth: a scope inside the consumer child.
                await new CancelScope().RunAsync(async ct =>
                {
                    await foreach (var child in tm.WhenEach()) seen.Add(child.Name!);
                });
            }, "consumer");
            tm.Spawn(() => EventLoop.Sleep(S(2)), "worker 2");
        }
        Assert.Equal(["worker", "worker 2"], seen);
    });

    [Fact]
    public void WhenEach_NoChildren_CompletesAtOnce() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        Assert.Empty(await NamesAsync(tm.WhenEach(), loop));
    });

    [Fact]
    public void WhenEach_BreakingOutEarly_CancelsNothing() => Virtual.Run(async loop =>
    {
        ChildTask other;
        await using (var tm = new TaskManager(loop))
        {
            tm.Spawn(() => EventLoop.Sleep(S(1)), "first");
            other = tm.Spawn(async () => { await EventLoop.Sleep(S(2)); return "kept"; }, "second");
            await foreach (var child in tm.WhenEach()) break;
            Assert.False(tm.IsCancellationRequested);
        }
        Assert.Equal("kept", ((ChildTask<string>)other).Result);
    });

    /// <summary>
    /// Spawn order at one loop time is WhenEach's rule, not the schedule's: under a shuffled schedule the enumeration
    /// must still wait until nothing else can end at that time. (It once counted only the run queue, not the rest of
    /// the shuffled batch, and yielded too early under most seeds.)
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void WhenEach_UnderAShuffledSchedule_ChildrenEndingAtTheSameLoopTime_StillComeInSpawnOrder(int seed) => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock(), new LoopOptions { ScheduleSeed = seed });
        var seen = loop.Run(async () =>
        {
            await using var tm = new TaskManager(loop);
            for (var i = 0; i < 8; i++)
            {
                var turns = 8 - i; // later-spawned children end in fewer turns, all at 1 s
                tm.Spawn(async () => { await EventLoop.Sleep(S(1)); for (var t = 0; t < turns; t++) await EventLoop.Yield(); }, $"c{i}");
            }
            tm.Spawn(() => EventLoop.Sleep(S(2)), "last");
            return await NamesAsync(tm.WhenEach(), loop);
        });
        Assert.Equal([.. Enumerable.Range(0, 8).Select(i => $"1s c{i} Completed"), "2s last Completed"], seen);
    });

    [Fact]
    public void WhenEach_UnderCancelSiblings_YieldsTheFailureAndTheCancelledSiblingsInSpawnOrderAtThatTime() => Virtual.Run(async loop =>
    {
        var boom = new Boom("x");
        var seen = new List<string>();
        var thrown = await Catch.ExceptionAsync(async () =>
        {
            await using var tm = new TaskManager(loop);
            tm.Spawn(() => EventLoop.Sleep(S(5)), "victim");
            tm.Spawn(async () => { await EventLoop.Sleep(S(1)); throw boom; }, "failing");
            tm.Spawn(() => EventLoop.Sleep(S(5)), "victim 2");
            await foreach (var child in tm.WhenEach()) seen.Add($"{child.Name} {child.Status}");
        });
        Assert.Same(boom, thrown);
        // All three end at 1 s (the victims a turn later), so they come in spawn order; Failures says which was the cause.
        Assert.Equal(["victim Cancelled", "failing Faulted", "victim 2 Cancelled"], seen);
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void WhenEach_UnderCollectAll_YieldsEveryChildWithItsOutcome() => Virtual.Run(async loop =>
    {
        var seen = new List<string>();
        var thrown = await Catch.ExceptionAsync(async () =>
        {
            await using var tm = new TaskManager(loop, new TaskManagerOptions { FailurePolicy = FailurePolicy.CollectAll });
            tm.Spawn(async () => { await EventLoop.Sleep(S(3)); return 3; }, "ok");
            tm.Spawn(async () => { await EventLoop.Sleep(S(1)); throw new Boom("a"); }, "bad a");
            tm.Spawn(async () => { await EventLoop.Sleep(S(2)); throw new Boom("b"); }, "bad b");
            await foreach (var child in tm.WhenEach())
                seen.Add($"{loop.Now.TotalSeconds}s {child.Name} {child.Status} {child.Exception?.Message}".TrimEnd());
        });
        Assert.Equal(2, Assert.IsType<AggregateException>(thrown).InnerExceptions.Count);
        Assert.Equal(["1s bad a Faulted boom: a", "2s bad b Faulted boom: b", "3s ok Completed"], seen);
    });

    [Fact]
    public void WhenEach_WithALimit_YieldsEachChildAsItEnds() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop, new TaskManagerOptions { MaxConcurrency = 2 });
        for (var i = 0; i < 5; i++) tm.Spawn(() => EventLoop.Sleep(S(1)), $"c{i}");
        var seen = await NamesAsync(tm.WhenEach(), loop);
        Assert.Equal(["1s c0 Completed", "1s c1 Completed", "2s c2 Completed", "2s c3 Completed", "3s c4 Completed"], seen);
    });

    [Fact]
    public void WhenEach_Waiting_IsACheckpointOfTheEnumeratingCode() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        tm.Spawn(() => EventLoop.Sleep(S(10)));
        var moved = await CancelScope.MoveOnAfter(S(1), async ct =>
        {
            await foreach (var child in tm.WhenEach()) { }
        });
        Assert.False(moved);
        Assert.Equal(S(1), loop.Now);
        tm.Cancel();
    });

    [Fact]
    public void WhenEach_WithCancellation_TheTokenEndsTheWait() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        tm.Spawn(() => EventLoop.Sleep(S(10)));
        using var cts = new CancellationTokenSource();
        tm.Spawn(async () => { await EventLoop.Sleep(S(1)); cts.Cancel(); });
        var e = await Catch.AnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var child in tm.WhenEach().WithCancellation(cts.Token)) { }
        });
        Assert.Equal(cts.Token, e.CancellationToken);
        tm.Cancel();
    });

    [Fact]
    public void WhenEach_WhileWaiting_DumpTreeSaysSo() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        tm.Spawn(() => EventLoop.Sleep(S(2)));
        tm.Spawn(async () => { await foreach (var child in tm.WhenEach()) { } }, "consumer");
        await EventLoop.Sleep(S(1));
        Assert.Contains("consumer: Running, waiting in WhenEach for the next child of TaskManager #", tm.DumpTree());
    });

    [Fact]
    public void WhenEach_TwoEnumerationsAtOnce_BothSeeEveryChild() => Virtual.Run(async loop =>
    {
        // Found while writing tests for the mutation run: each enumeration waits for the loop to settle before it
        // yields a child that ended at this loop time, and each saw the other's queued check as work still ready, so
        // both requeued forever (a livelock; the guard failed this test at 20 s before the fix).
        await using var tm = new TaskManager(loop);
        tm.Spawn(() => EventLoop.Sleep(S(1)), "a");
        tm.Spawn(() => EventLoop.Sleep(S(2)), "b");
        var first = NamesAsync(tm.WhenEach(), loop);
        var second = NamesAsync(tm.WhenEach(), loop);
        Assert.Equal(["1s a Completed", "2s b Completed"], await first);
        Assert.Equal(["1s a Completed", "2s b Completed"], await second);
    });

    [Fact]
    public void WhenEach_SameValueEnumeratedAgain_StartsAFreshEnumeration() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        tm.Spawn(() => EventLoop.Sleep(S(1)), "a");
        var children = tm.WhenEach();
        Assert.Equal(["1s a Completed"], await NamesAsync(children, loop));
        tm.Spawn(() => EventLoop.Sleep(S(1)), "b");
        // The second await foreach over the same value is an enumeration of its own, made now: it sees both.
        Assert.Equal(["1s a Completed", "2s b Completed"], await NamesAsync(children, loop));
    });

    [Fact]
    public void WhenEach_ChildStartedWithStartAsync_IsYieldedAndWaitedFor() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        tm.Spawn(() => EventLoop.Sleep(S(1)), "plain");
        await tm.StartAsync(async (signal, ct) =>
        {
            signal.Started();
            await EventLoop.Sleep(S(3));
        });
        var seen = new List<string>();
        await foreach (var child in tm.WhenEach()) seen.Add($"{loop.Now.TotalSeconds:0.###}s {child.Status}");
        Assert.Equal(["1s Completed", "3s Completed"], seen); // the started child is listed, and the enumeration waits for it
    });

    [Fact]
    public void WhenEach_FromAnotherThreadWhileTheLoopRuns_ThrowsInvalidOperationException() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var children = tm.WhenEach();
        Exception? call = null, enumerate = null;
        AnotherThread.Run(() =>
        {
            call = Record.Exception(() => tm.WhenEach());
            enumerate = Record.Exception(() => children.GetAsyncEnumerator());
        }); // the loop thread waits for it
        Assert.IsType<InvalidOperationException>(call);
        Assert.IsType<InvalidOperationException>(enumerate);
    });

    [Fact]
    public void WhenEach_MoveNextWhileThePreviousCallWaits_ThrowsInvalidOperationException() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        tm.Spawn(() => EventLoop.Sleep(S(1)));
        await using var children = tm.WhenEach().GetAsyncEnumerator();
        var first = children.MoveNextAsync();
        var e = Assert.Throws<InvalidOperationException>(() => { _ = children.MoveNextAsync(); });
        Assert.StartsWith("MoveNextAsync was called while the previous call was still waiting", e.Message, StringComparison.Ordinal);
        Assert.True(await first); // the first call is unharmed
        Assert.False(await children.MoveNextAsync());
    });

    [Fact]
    public void WhenEach_DisposedWhileMoveNextWaits_EndsTheWaitWithFalse_AndRefusesFurtherCalls() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        tm.Spawn(() => EventLoop.Sleep(S(1)));
        var children = tm.WhenEach().GetAsyncEnumerator();
        var waiting = children.MoveNextAsync();
        await children.DisposeAsync();
        Assert.True(waiting.IsCompleted);
        Assert.False(await waiting); // nothing more will come
        await children.DisposeAsync(); // a second dispose does nothing
        Assert.Throws<ObjectDisposedException>(() => { _ = children.MoveNextAsync(); });
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });

    [Fact]
    public void WhenEach_MoveNextFromAnotherThreadWhileTheLoopRuns_ThrowsInvalidOperationException() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        await using var children = tm.WhenEach().GetAsyncEnumerator();
        Exception? e = null;
        AnotherThread.Run(() => e = Record.Exception(() => { _ = children.MoveNextAsync(); })); // the loop thread waits for it
        Assert.IsType<InvalidOperationException>(e);
        Assert.False(await children.MoveNextAsync()); // the enumeration itself is unharmed
    });

    [Fact]
    public void WhenEach_ChildThatEndedWhileOtherWorkWasReady_IsYieldedOnceTheLoopSettlesAtThatTime() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        await using var children = tm.WhenEach().GetAsyncEnumerator();
        var quick = tm.Spawn(async () => { }, "quick");
        tm.Spawn(async () =>
        {
            for (var i = 0; i < 5; i++) await EventLoop.Yield(); // still busy at t=0 when MoveNextAsync is called
            await EventLoop.Sleep(S(1));
        }, "busy");
        await EventLoop.Yield(); // quick has ended (under FIFO); busy is still yielding
        Assert.True(await children.MoveNextAsync());
        Assert.Same(quick, children.Current);
        Assert.Equal(TimeSpan.Zero, loop.Now); // not only once busy ends
    });
}
