namespace Nursery.Tests.Limits;

/// <summary>SpawnAsync: returns once the child holds a slot (backpressure); a cancellation checkpoint.</summary>
public class SpawnAsyncTests
{
    [Fact]
    public void SpawnAsync_Producer_NeverKeepsMoreThanTheLimitAliveAndSpawnsAsSlotsFree() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        var peakLive = 0;
        await using (var tm = new TaskManager(loop, new TaskManagerOptions { MaxConcurrency = 2 }))
        {
            for (var i = 0; i < 5; i++)
            {
                var n = i;
                await tm.SpawnAsync(async ct => await EventLoop.Sleep(S(1)));
                log.Add($"spawned {n}");
                peakLive = Math.Max(peakLive, tm.Children.Count(c => c.Status is ChildTaskStatus.Scheduled or ChildTaskStatus.Running));
            }
        }
        Assert.Equal(["0s spawned 0", "0s spawned 1", "1s spawned 2", "1s spawned 3", "2s spawned 4"], log.Entries);
        Assert.Equal(2, peakLive);
        Assert.Equal(S(3), loop.Now);
    });

    [Fact]
    public void SpawnAsync_ReturnsAChildThatHoldsASlotAndStartsOnALaterTurn() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop, new TaskManagerOptions { MaxConcurrency = 1 });
        var ran = false;
        var child = await tm.SpawnAsync(async () => { ran = true; return 42; });
        Assert.False(ran); // never synchronously, like Spawn
        await tm.DisposeAsync();
        Assert.Equal(42, child.Result);
    });

    [Fact]
    public void SpawnAsync_WithoutALimit_ReturnsAtOnce() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var spawn = tm.SpawnAsync(ct => EventLoop.Sleep(S(1)));
        Assert.True(spawn.IsCompletedSuccessfully);
        await tm.DisposeAsync();
        Assert.Equal(ChildTaskStatus.Completed, (await spawn).Status);
    });

    [Fact]
    public void SpawnAsync_SeveralProducers_ShareTheSlotsInTheOrderTheyAsked() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        var asked = new List<string>();
        var running = 0;
        var peak = 0;
        await TaskManager.RunAsync(async producers =>
        {
            await using var pool = new TaskManager(loop, new TaskManagerOptions { MaxConcurrency = 2 });
            foreach (var name in new[] { "p", "q", "r" })
            {
                producers.Spawn(async () =>
                {
                    for (var i = 0; i < 3; i++)
                    {
                        var item = $"{name}{i}";
                        asked.Add(item);
                        await pool.SpawnAsync(async ct =>
                        {
                            peak = Math.Max(peak, ++running);
                            log.Add(item);
                            await EventLoop.Sleep(S(1));
                            running--;
                        });
                    }
                });
            }
            await producers.DisposeAsync(); // the producers are done spawning; the pool joins their work
        });
        Assert.Equal(2, peak);
        Assert.Equal(9, log.Entries.Count);
        // One FIFO queue for every producer: the k-th item asked for gets a slot at k / 2 seconds (two slots, one
        // second each), whichever producer asked (the order they ask in is the schedule's). With FIFO order that is
        // p0 p1 at 0 s, p2 q0 at 1 s, r0 q1 at 2 s, r1 q2 at 3 s, r2 at 4 s: the producers take turns.
        Assert.Equal(9, asked.Count);
        Assert.Equal(asked.Select((item, k) => $"{k / 2}s {item}").Order(StringComparer.Ordinal), log.Entries.Order(StringComparer.Ordinal));
        Assert.Equal(S(5), loop.Now);
    });

    [Fact]
    public void SpawnAsync_ProducerCancelledWhileWaiting_ThrowsAndItsChildNeverRuns() => Virtual.Run(async loop =>
    {
        var ran = new List<int>();
        await using var tm = new TaskManager(loop, new TaskManagerOptions { MaxConcurrency = 1 });
        Exception? producerFailure = null;
        await using var producers = new TaskManager(loop);
        var producer = producers.Spawn(async () =>
        {
            try
            {
                for (var i = 0; i < 3; i++)
                {
                    var n = i;
                    await tm.SpawnAsync(async ct => { ran.Add(n); await EventLoop.Sleep(S(5)); });
                }
            }
            catch (OperationCanceledException e)
            {
                producerFailure = e;
                throw;
            }
        });
        await EventLoop.Sleep(S(1));
        producer.Cancel();
        await producers.DisposeAsync();
        await tm.DisposeAsync();
        Assert.IsAssignableFrom<OperationCanceledException>(producerFailure);
        Assert.Equal([0], ran);
        Assert.Equal(2, tm.Children.Count);
        Assert.Equal(ChildTaskStatus.Cancelled, tm.Children[1].Status);
        Assert.Equal(ChildTaskStatus.Cancelled, producer.Status);
    });

    [Fact]
    public void SpawnAsync_InCancelledCode_SpawnsNothing() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop, new TaskManagerOptions { MaxConcurrency = 1 });
        Exception? e = null;
        await TaskManager.RunAsync(async own =>
        {
            own.CancelScope.Cancel("enough");
            e = await Catch.ExceptionAsync(async () => await tm.SpawnAsync(async () => { }));
        });
        Assert.Contains("enough", Assert.IsAssignableFrom<OperationCanceledException>(e).Message);
        Assert.Empty(tm.Children);
    });

    [Fact]
    public void SpawnAsync_ManagerCancelledWhileWaiting_ThrowsOperationCanceledNamingTheChild() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop, new TaskManagerOptions { MaxConcurrency = 1, Name = "pool" });
        tm.Spawn(() => EventLoop.Sleep(S(10)));
        var waiting = tm.SpawnAsync(async () => { }).AsTask();
        await EventLoop.Sleep(S(1));
        tm.Cancel();
        var e = await Catch.AnyAsync<OperationCanceledException>(() => waiting);
        Assert.Contains("SpawnAsync did not start child", e.Message);
        Assert.Contains("never ran", e.Message);
        Assert.Equal(tm.Token, e.CancellationToken);
        var again = await Catch.AnyAsync<OperationCanceledException>(() => tm.SpawnAsync(async () => { }).AsTask());
        Assert.Contains("TaskManager #", again.Message);
        Assert.Contains("'pool' has been cancelled, so SpawnAsync does not spawn a child in it", again.Message);
    });

    [Fact]
    public void SpawnAsync_OnAClosedManager_Throws() => Virtual.Run(async loop =>
    {
        var tm = new TaskManager(loop);
        await tm.DisposeAsync();
        Assert.Throws<InvalidOperationException>(() => tm.SpawnAsync(async () => { }));
        Assert.Throws<ArgumentNullException>(() => new TaskManager(loop).SpawnAsync((Func<Task>)null!));
    });

    [Fact]
    public void SpawnAsync_WhileWaiting_DumpTreeSaysWhatTheProducerWaitsFor() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop, new TaskManagerOptions { MaxConcurrency = 1 });
        tm.Spawn(() => EventLoop.Sleep(S(2)));
        await using var producers = new TaskManager(loop);
        producers.Spawn(async () => await tm.SpawnAsync(async () => { }), "producer");
        await EventLoop.Sleep(S(1));
        var dump = loop.DumpTree();
        Assert.Contains("producer: Running, waiting in SpawnAsync until child #", dump);
        Assert.Contains("gets a slot in TaskManager #", dump);
        Assert.Contains("(1 of 1 running)", dump);
    });

    [Fact]
    public void SpawnAsync_NamedOverloads_NameTheChild() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop, new TaskManagerOptions { MaxConcurrency = 1 });
        var a = await tm.SpawnAsync(ct => EventLoop.Sleep(S(1)), "a");
        var b = await tm.SpawnAsync(async ct => 7, "b");
        Assert.Equal("a", a.Name);
        Assert.Equal("b", b.Name);
        await tm.DisposeAsync();
        Assert.Equal(7, b.Result);
    });

    [Fact]
    public void RetainEndedChildrenFalse_AProducerOfManyItems_KeepsOnlyLiveChildrenAndWhenEachStillSeesEveryResult() => Virtual.Run(async loop =>
    {
        var sum = 0L;
        var seen = 0;
        var options = new TaskManagerOptions { MaxConcurrency = 4, RetainEndedChildren = false };
        var maxListed = 0;
        await TaskManager.RunAsync(options, async tm =>
        {
            var results = tm.WhenEach();
            tm.Spawn(async () =>
            {
                for (var i = 1; i <= 1000; i++)
                {
                    var n = i;
                    await tm.SpawnAsync(async ct => { await EventLoop.Sleep(Ms(1), ct); return n; });
                    maxListed = Math.Max(maxListed, tm.Children.Count);
                }
            }, "producer");
            await foreach (var child in results)
            {
                if (child is ChildTask<int> item)
                {
                    sum += item.Result;
                    seen++;
                }
            }
            Assert.Empty(tm.Values);
            Assert.Empty(tm.ResultsOf<int>());
        });
        Assert.Equal(1000, seen);
        Assert.Equal(500500, sum);
        Assert.True(maxListed < 200, $"{maxListed} children listed at once");
    });
}
