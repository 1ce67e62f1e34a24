namespace Nursery.Tests.Limits;

/// <summary>CapacityLimiter: tokens shared across managers, FIFO, checkpoints, Borrowers for diagnosis.</summary>
public class CapacityLimiterTests
{
    [Fact]
    public void CapacityLimiter_SharedByTwoManagers_CapsTheirChildrenTogether() => Virtual.Run(async loop =>
    {
        var limiter = new CapacityLimiter(2);
        var running = 0;
        var peak = 0;
        async Task WorkAsync()
        {
            await limiter.AcquireAsync();
            try
            {
                peak = Math.Max(peak, ++running);
                await EventLoop.Sleep(S(1));
                running--;
            }
            finally
            {
                limiter.Release();
            }
        }
        await using (var a = new TaskManager(loop))
        await using (var b = new TaskManager(loop))
        {
            for (var i = 0; i < 3; i++)
            {
                a.Spawn(WorkAsync);
                b.Spawn(WorkAsync);
            }
        }
        Assert.Equal(2, peak);
        Assert.Equal(S(3), loop.Now);
        Assert.Equal(0, limiter.BorrowedTokens);
    });

    [Fact]
    public void AcquireAsync_WaitersGetTokensInTheOrderTheyAsked() => Virtual.Run(async loop =>
    {
        var limiter = new CapacityLimiter(1);
        var log = new EventLog(loop);
        var asked = new List<string>(); // the order the children asked in is the schedule's; the limiter must keep it
        await using (var tm = new TaskManager(loop))
        {
            foreach (var name in new[] { "a", "b", "c", "d" })
            {
                tm.Spawn(async () =>
                {
                    asked.Add(name);
                    await limiter.AcquireAsync();
                    log.Add(name);
                    await EventLoop.Sleep(S(1));
                    limiter.Release();
                });
            }
        }
        Assert.Equal([$"0s {asked[0]}", $"1s {asked[1]}", $"2s {asked[2]}", $"3s {asked[3]}"], log.Entries);
    });

    [Fact]
    public void TryAcquire_NeverBargesPastAWaiter() => Virtual.Run(async loop =>
    {
        var limiter = new CapacityLimiter(1);
        Assert.True(limiter.TryAcquire());
        await using var tm = new TaskManager(loop);
        var waiter = tm.Spawn(async () => { await limiter.AcquireAsync(); limiter.Release(); });
        await loop.RunCurrentAsync(); // the child has started and waits
        Assert.Equal(1, limiter.WaitingCount);
        limiter.Release(); // main's token goes to the waiter
        Assert.False(limiter.TryAcquire());
        await tm.DisposeAsync();
        Assert.Equal(ChildTaskStatus.Completed, waiter.Status);
        Assert.True(limiter.TryAcquire());
        limiter.Release();
    });

    [Fact]
    public void AcquireAsync_IsACheckpoint_CancelledWaiterLeavesTheQueueWithoutAToken() => Virtual.Run(async loop =>
    {
        var limiter = new CapacityLimiter(1);
        Assert.True(limiter.TryAcquire());
        await using var tm = new TaskManager(loop);
        var waiter = tm.Spawn(async () => await limiter.AcquireAsync());
        await EventLoop.Sleep(S(1));
        Assert.Equal(1, limiter.WaitingCount);
        waiter.Cancel();
        await tm.DisposeAsync();
        Assert.Equal(ChildTaskStatus.Cancelled, waiter.Status);
        Assert.Equal(0, limiter.WaitingCount);
        Assert.Equal(1, limiter.BorrowedTokens);
        limiter.Release();
        Assert.Equal(0, limiter.BorrowedTokens);
    });

    [Fact]
    public void AcquireAsync_CancelledCode_GetsNoToken() => Virtual.Run(async loop =>
    {
        var limiter = new CapacityLimiter(3);
        Exception? e = null;
        await TaskManager.RunAsync(async tm =>
        {
            tm.Cancel();
            e = await Catch.ExceptionAsync(async () => await limiter.AcquireAsync());
        });
        Assert.IsAssignableFrom<OperationCanceledException>(e);
        Assert.Equal(0, limiter.BorrowedTokens);
    });

    [Fact]
    public void AcquireAsync_TokenFiring_EndsTheWait() => Virtual.Run(async loop =>
    {
        var limiter = new CapacityLimiter(1);
        Assert.True(limiter.TryAcquire());
        using var cts = new CancellationTokenSource(S(2), loop.TimeProvider);
        var e = await Catch.AnyAsync<OperationCanceledException>(async () => await limiter.AcquireAsync(cts.Token));
        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.Equal(S(2), loop.Now);
        Assert.Equal(0, limiter.WaitingCount);
        limiter.Release();
    });

    [Fact]
    public void Borrowers_ListsTheChildrenHoldingTokens_AndDumpTreeShowsWaiters() => Virtual.Run(async loop =>
    {
        var limiter = new CapacityLimiter(2);
        await using var tm = new TaskManager(loop);
        var holders = new List<string>(); // in the order they got a token (which child starts first is the schedule's)
        var children = new Dictionary<string, ChildTask>();
        foreach (var name in new[] { "a", "b", "c" })
        {
            children[name] = tm.Spawn(async () =>
            {
                await limiter.AcquireAsync();
                holders.Add(name);
                try { await EventLoop.Sleep(S(5)); } finally { limiter.Release(); }
            }, name);
        }
        await EventLoop.Sleep(S(1));
        Assert.Equal(2, holders.Count);
        Assert.Equal(holders.Select(name => children[name]), limiter.Borrowers);
        Assert.Equal(1, limiter.WaitingCount);
        var waiting = children.Keys.Single(name => !holders.Contains(name));
        Assert.Contains($"{waiting}: Running, waiting for a CapacityLimiter token (2 of 2 borrowed, by #", tm.DumpTree());
        tm.Cancel();
    });

    [Fact]
    public void TotalTokens_Raised_HandsNewTokensToWaiters() => Virtual.Run(async loop =>
    {
        var limiter = new CapacityLimiter(1);
        var log = new EventLog(loop);
        var asked = new List<int>();
        await using (var tm = new TaskManager(loop))
        {
            for (var i = 0; i < 3; i++)
            {
                var n = i;
                tm.Spawn(async () => { asked.Add(n); await limiter.AcquireAsync(); log.Add($"got {n}"); await EventLoop.Sleep(S(10)); limiter.Release(); });
            }
            await EventLoop.Sleep(S(1));
            limiter.TotalTokens = 3;
        }
        // The first to ask gets the only token at once; raising the total hands the new two to both waiters at 1 s
        // (they resume at one instant, in the schedule's order).
        Assert.Equal($"0s got {asked[0]}", log.Entries[0]);
        Assert.Equal(new[] { $"1s got {asked[1]}", $"1s got {asked[2]}" }.Order(StringComparer.Ordinal), log.Entries.Skip(1).Order(StringComparer.Ordinal));
    });

    [Fact]
    public void Misuse_IsReportedWithAClearMessage() => Virtual.Run(async loop =>
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CapacityLimiter(0));
        var limiter = new CapacityLimiter(2);
        Assert.Contains("holds none", Assert.Throws<InvalidOperationException>(limiter.Release).Message);
        await using var tm = new TaskManager(loop);
        var twice = tm.Spawn(async () =>
        {
            await limiter.AcquireAsync();
            await limiter.AcquireAsync();
        });
        await Catch.ExceptionAsync(() => tm.DisposeAsync().AsTask());
        Assert.Contains("already holds a token", twice.Exception!.Message);
        var offLoop = await Catch.OffLoopAsync(() => limiter.TryAcquire());
        Assert.IsType<InvalidOperationException>(offLoop);
    });
}
