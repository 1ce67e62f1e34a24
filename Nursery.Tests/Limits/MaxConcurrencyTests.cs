namespace Nursery.Tests.Limits;

/// <summary>TaskManagerOptions.MaxConcurrency: at most k children run; the rest wait Scheduled and start FIFO.</summary>
public class MaxConcurrencyTests
{
    private static readonly TaskManagerOptions s_three = new() { MaxConcurrency = 3 };

    [Fact]
    public void MaxConcurrency3_TenOneSecondChildren_EndAtExactlyFourSeconds() => Virtual.Run(async loop =>
    {
        var ends = new List<TimeSpan>();
        await using (var tm = new TaskManager(loop, s_three))
        {
            for (var i = 0; i < 10; i++)
                tm.Spawn(async () => { await EventLoop.Sleep(S(1)); ends.Add(loop.Now); });
        }
        Assert.Equal(S(4), loop.Now);
        Assert.Equal([S(1), S(1), S(1), S(2), S(2), S(2), S(3), S(3), S(3), S(4)], ends);
    });

    [Fact]
    public void MaxConcurrency_WaitingChildren_AreScheduledAndStartInSpawnOrder() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        await using var tm = new TaskManager(loop, new TaskManagerOptions { MaxConcurrency = 2 });
        var children = new List<ChildTask>();
        for (var i = 0; i < 5; i++)
        {
            var n = i;
            children.Add(tm.Spawn(async () => { log.Add($"start {n}"); await EventLoop.Sleep(S(n + 1)); }));
        }
        await loop.RunCurrentAsync(); // everything that can start now has started
        Assert.Equal([ChildTaskStatus.Running, ChildTaskStatus.Running, ChildTaskStatus.Scheduled, ChildTaskStatus.Scheduled, ChildTaskStatus.Scheduled],
            children.Select(c => c.Status));
        await tm.DisposeAsync();
        // 0 ends at 1 s (2 starts), 1 ends at 2 s (3 starts), 2 ends at 4 s (4 starts). 0 and 1 start at one instant,
        // in the schedule's order.
        Assert.Equal(["0s start 0", "0s start 1"], log.Entries.Take(2).Order(StringComparer.Ordinal));
        Assert.Equal(["1s start 2", "2s start 3", "4s start 4"], log.Entries.Skip(2));
    });

    [Fact]
    public void MaxConcurrency1_RunsChildrenStrictlyOneAfterAnother() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        var running = 0;
        await using (var tm = new TaskManager(loop, new TaskManagerOptions { MaxConcurrency = 1 }))
        {
            foreach (var name in new[] { "a", "b", "c" })
            {
                tm.Spawn(async () =>
                {
                    Assert.Equal(0, running++);
                    log.Add($"{name} start");
                    await EventLoop.Sleep(S(1));
                    await EventLoop.Yield();
                    log.Add($"{name} end");
                    running--;
                });
            }
        }
        Assert.Equal(["0s a start", "1s a end", "1s b start", "2s b end", "2s c start", "3s c end"], log.Entries);
    });

    [Fact]
    public void MaxConcurrency_CancellingTheManager_WaitingBodiesNeverRun() => Virtual.Run(async loop =>
    {
        var started = new List<int>();
        ChildTask[] children;
        await using (var tm = new TaskManager(loop, new TaskManagerOptions { MaxConcurrency = 2 }))
        {
            children = Enumerable.Range(0, 6).Select(i => tm.Spawn(async () => { started.Add(i); await EventLoop.Sleep(S(10)); })).ToArray();
            await EventLoop.Sleep(S(1));
            tm.Cancel();
        }
        Assert.Equal([0, 1], started.Order());
        Assert.All(children, c => Assert.Equal(ChildTaskStatus.Cancelled, c.Status));
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void MaxConcurrency_CancellingOneWaitingChild_ItNeverRunsAndTheNextOneTakesItsTurn() => Virtual.Run(async loop =>
    {
        var started = new List<int>();
        await using var tm = new TaskManager(loop, new TaskManagerOptions { MaxConcurrency = 1 });
        var children = Enumerable.Range(0, 3).Select(i => tm.Spawn(async () => { started.Add(i); await EventLoop.Sleep(S(1)); })).ToArray();
        children[1].Cancel();
        await tm.DisposeAsync();
        Assert.Equal([0, 2], started);
        Assert.Equal(ChildTaskStatus.Cancelled, children[1].Status);
        Assert.Equal(S(2), loop.Now);
    });

    [Fact]
    public void MaxConcurrency_AFailureCancelsWaitingChildrenBeforeTheyRun() => Virtual.Run(async loop =>
    {
        var started = new List<int>();
        var boom = new Boom("first");
        var thrown = await Catch.ExceptionAsync(async () =>
        {
            await using var tm = new TaskManager(loop, new TaskManagerOptions { MaxConcurrency = 2 });
            tm.Spawn(async () => { started.Add(0); await EventLoop.Sleep(S(1)); throw boom; });
            for (var i = 1; i < 5; i++)
            {
                var n = i;
                tm.Spawn(async () => { started.Add(n); await EventLoop.Sleep(S(5)); });
            }
        });
        Assert.Same(boom, thrown);
        Assert.Equal([0, 1], started.Order()); // the two with slots start at one instant, in the schedule's order
    });

    [Fact]
    public void MaxConcurrency_ScheduledChild_TakesASlotWhenItsDelayHasPassed() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        await using (var tm = new TaskManager(loop, new TaskManagerOptions { MaxConcurrency = 1 }))
        {
            tm.Schedule(async () => { log.Add("scheduled start"); await EventLoop.Sleep(S(1)); }, S(2));
            tm.Spawn(async () => { log.Add("a start"); await EventLoop.Sleep(S(3)); });
            tm.Spawn(async () => { log.Add("b start"); await EventLoop.Sleep(S(1)); });
        }
        // The scheduled child is due at 2 s while 'a' holds the only slot; 'b' was queued earlier (at 0 s), so it goes first.
        Assert.Equal(["0s a start", "3s b start", "4s scheduled start"], log.Entries);
    });

    [Fact]
    public void MaxConcurrency_ScheduledChildDueWhileASlotIsFree_StartsAtItsTime() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        await using (var tm = new TaskManager(loop, new TaskManagerOptions { MaxConcurrency = 2 }))
        {
            tm.Spawn(async () => { log.Add("a start"); await EventLoop.Sleep(S(5)); });
            tm.Schedule(async () => { log.Add("scheduled start"); await EventLoop.Sleep(S(1)); }, S(2));
        }
        Assert.Equal(["0s a start", "2s scheduled start"], log.Entries);
    });

    [Fact]
    public void MaxConcurrency_NestedManagers_EachLimitCountsItsOwnChildren() => Virtual.Run(async loop =>
    {
        var innerRunning = 0;
        var innerPeak = 0;
        var outerRunning = 0;
        var outerPeak = 0;
        await using (var outer = new TaskManager(loop, new TaskManagerOptions { MaxConcurrency = 2 }))
        {
            for (var i = 0; i < 4; i++)
            {
                outer.Spawn(async () =>
                {
                    outerPeak = Math.Max(outerPeak, ++outerRunning);
                    await using (var inner = new TaskManager(loop, new TaskManagerOptions { MaxConcurrency = 3 }))
                    {
                        for (var j = 0; j < 5; j++)
                        {
                            inner.Spawn(async () =>
                            {
                                innerPeak = Math.Max(innerPeak, ++innerRunning);
                                await EventLoop.Sleep(S(1));
                                innerRunning--;
                            });
                        }
                    }
                    outerRunning--;
                });
            }
        }
        Assert.Equal(2, outerPeak);
        Assert.Equal(6, innerPeak); // two outer children at once, each with three inner children
        Assert.Equal(S(4), loop.Now); // each inner manager takes 2 s (3 + 2), two waves of outer children
    });

    [Fact]
    public void MaxConcurrency_CancellingAnOuterChild_CancelsItsInnerManagersWaitingChildren() => Virtual.Run(async loop =>
    {
        var started = 0;
        await using var outer = new TaskManager(loop);
        ChildTask[] innerChildren = [];
        var owner = outer.Spawn(async () =>
        {
            await using var inner = new TaskManager(loop, new TaskManagerOptions { MaxConcurrency = 1 });
            innerChildren = Enumerable.Range(0, 3).Select(_ => inner.Spawn(async () => { started++; await EventLoop.Sleep(S(10)); })).ToArray();
        });
        await EventLoop.Sleep(S(1));
        owner.Cancel();
        await outer.DisposeAsync();
        Assert.Equal(1, started);
        Assert.All(innerChildren, c => Assert.Equal(ChildTaskStatus.Cancelled, c.Status));
    });

    [Fact]
    public void MaxConcurrency_ChildSpawnedIntoACancelledBoundedManager_EndsCancelledWithoutRunning() => Virtual.Run(async loop =>
    {
        var ran = false;
        await using var tm = new TaskManager(loop, new TaskManagerOptions { MaxConcurrency = 1 });
        tm.Cancel();
        var child = tm.Spawn(async () => ran = true);
        await tm.DisposeAsync();
        Assert.False(ran);
        Assert.Equal(ChildTaskStatus.Cancelled, child.Status);
    });

    [Fact]
    public void MaxConcurrency_StartAsyncChildren_TakeASlotLikeAnyChild() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        await using var tm = new TaskManager(loop, new TaskManagerOptions { MaxConcurrency = 1 });
        tm.Spawn(async () => { log.Add("busy start"); await EventLoop.Sleep(S(2)); });
        await tm.StartAsync(async (signal, ct) => { log.Add("server start"); signal.Started(); await EventLoop.Sleep(S(1)); });
        log.Add("server ready");
        await tm.DisposeAsync();
        Assert.Equal(["0s busy start", "2s server start", "2s server ready"], log.Entries);
        Assert.Equal(S(3), loop.Now);
    });

    [Fact]
    public void DumpTree_BoundedManager_ShowsWaitingChildrenAndTheSlots() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop, new TaskManagerOptions { MaxConcurrency = 2, Name = "pool" });
        for (var i = 0; i < 3; i++) tm.Spawn(() => EventLoop.Sleep(S(1)));
        await EventLoop.Yield();
        var dump = tm.DumpTree();
        Assert.Contains("TaskManager #", dump);
        Assert.Contains("'pool' open: 3 children (3 live), 2 of 2 slots taken, 1 waiting", dump);
        Assert.Contains(": Scheduled, waiting for a slot (2 of 2 running)", dump);
    });

    [Fact]
    public void MaxConcurrency_LessThanOne_IsRejectedWhereItIsSet()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new TaskManagerOptions { MaxConcurrency = 0 });
        Assert.Equal("MaxConcurrency", e.ParamName);
        Assert.Contains("at least 1", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TaskManagerOptions { MaxConcurrency = -5 });
        var policy = Assert.Throws<ArgumentOutOfRangeException>(() => new TaskManagerOptions { FailurePolicy = (FailurePolicy)7 });
        Assert.Equal("FailurePolicy", policy.ParamName);
        Assert.StartsWith("FailurePolicy must be FailurePolicy.CancelSiblings or FailurePolicy.CollectAll.", policy.Message);
    }

    [Fact]
    public void Options_NullOptions_AreRejected() => Virtual.Run(async loop =>
    {
        Assert.Throws<ArgumentNullException>(() => new TaskManager(loop, (TaskManagerOptions)null!));
        Assert.Throws<ArgumentNullException>(() => new TaskManager((TaskManagerOptions)null!));
        await Catch.AnyAsync<ArgumentNullException>(() => TaskManager.RunAsync((TaskManagerOptions)null!, async tm => { }));
    });
}
