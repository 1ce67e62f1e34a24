namespace Nursery.Tests.Time;

/// <summary>loop.TimeProvider follows the loop's clock: timestamps, UTC time, Task.Delay and CancellationTokenSource.</summary>
public class TimeProviderTests
{
    [Fact]
    public void TimeProvider_ReadTwice_IsTheSameInstance() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        Assert.Same(loop.TimeProvider, loop.TimeProvider);
    });

    [Fact]
    public void GetElapsedTime_AcrossVirtualSleeps_IsExactlyTheVirtualTime() => Virtual.Run(async loop =>
    {
        var tp = loop.TimeProvider;
        var start = tp.GetTimestamp();
        await EventLoop.Sleep(TimeSpan.FromMinutes(90));
        var middle = tp.GetTimestamp();
        await EventLoop.Sleep(TimeSpan.FromTicks(1));

        Assert.Equal(TimeSpan.FromMinutes(90), tp.GetElapsedTime(start, middle));
        Assert.Equal(TimeSpan.FromMinutes(90) + TimeSpan.FromTicks(1), tp.GetElapsedTime(start));
        Assert.True(tp.TimestampFrequency > 0);
    });

    [Fact]
    public void GetTimestamp_WithoutAnySleep_DoesNotMove() => Virtual.Run(async loop =>
    {
        var tp = loop.TimeProvider;
        var first = tp.GetTimestamp();
        await EventLoop.Yield();
        Assert.Equal(first, tp.GetTimestamp());
        Assert.Equal(TimeSpan.Zero, tp.GetElapsedTime(first));
    });

    [Fact]
    public void GetUtcNow_AcrossVirtualSleeps_MovesByExactlyTheVirtualTime() => Virtual.Run(async loop =>
    {
        var tp = loop.TimeProvider;
        var before = tp.GetUtcNow();
        await EventLoop.Sleep(TimeSpan.FromDays(2));
        Assert.Equal(TimeSpan.FromDays(2), tp.GetUtcNow() - before);
        Assert.Equal(TimeSpan.Zero, tp.GetUtcNow().Offset);
    });

    [Fact]
    public void GetUtcNow_OnTwoVirtualLoops_IsTheSameAtTheSameVirtualTime()
    {
        // Determinism: a virtual run must not depend on the real date.
        var first = Virtual.Run(async loop => { await EventLoop.Sleep(S(5)); return loop.TimeProvider.GetUtcNow(); });
        var second = Virtual.Run(async loop => { await EventLoop.Sleep(S(5)); return loop.TimeProvider.GetUtcNow(); });
        Assert.Equal(first, second);
    }

    [Fact]
    public void GetUtcNow_OnTheSystemClock_IsRealUtcTime() => Guard.Run(() =>
    {
        using var loop = new EventLoop();
        var reported = loop.TimeProvider.GetUtcNow();
        Assert.True((reported - DateTimeOffset.UtcNow).Duration() < S(5), $"reported {reported}");
    });

    [Fact]
    public void TaskDelay_WithTheLoopsTimeProvider_CompletesAtExactlyThatVirtualTimeOnTheLoopThread() => Virtual.Run(async loop =>
    {
        var loopThread = Environment.CurrentManagedThreadId;
        await EventLoop.Sleep(S(1));
        await Task.Delay(TimeSpan.FromHours(5), loop.TimeProvider);
        Assert.Equal(TimeSpan.FromHours(5) + S(1), loop.Now);
        Assert.Equal(loopThread, Environment.CurrentManagedThreadId);
    });

    [Fact]
    public void TaskDelay_WithTheLoopsTimeProviderOnAnotherThread_CompletesInVirtualTime() => Virtual.Run(async loop =>
    {
        // The timer is created off the loop (applied through the inbox) and fires on the loop thread; the
        // delay's continuation runs on the pool thread that awaited it.
        var elapsed = await Task.Run(async () =>
        {
            var start = loop.TimeProvider.GetTimestamp();
            await Task.Delay(TimeSpan.FromHours(2), loop.TimeProvider);
            return loop.TimeProvider.GetElapsedTime(start);
        });
        Assert.Equal(TimeSpan.FromHours(2), elapsed);
        Assert.Equal(TimeSpan.FromHours(2), loop.Now);
    });

    [Fact]
    public void TaskDelay_ConcurrentWithSleeps_InterleavesByDeadline() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        async Task Delay(string name, double seconds) { await Task.Delay(S(seconds), loop.TimeProvider); log.Add(name); }
        async Task Nap(string name, double seconds) { await EventLoop.Sleep(S(seconds)); log.Add(name); }

        await Task.WhenAll(Delay("delay 3", 3), Nap("sleep 1", 1), Delay("delay 2", 2), Nap("sleep 4", 4));

        Assert.Equal(["1s sleep 1", "2s delay 2", "3s delay 3", "4s sleep 4"], log.Entries);
    });

    [Fact]
    public void CancellationTokenSource_WithTheLoopsTimeProvider_FiresAtExactlyThatVirtualTime() => Virtual.Run(async loop =>
    {
        using var cts = new CancellationTokenSource(S(30), loop.TimeProvider);
        var firedAt = TimeSpan.MinValue;
        using var registration = cts.Token.Register(() => firedAt = loop.Now);

        var e = await Catch.AnyAsync<OperationCanceledException>(() => EventLoop.Sleep(TimeSpan.FromHours(1), cts.Token));

        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.Equal(S(30), firedAt);
        Assert.Equal(S(30), loop.Now);
    });

    [Fact]
    public void CancelAfter_OnATimeProviderSource_RestartsTheCountdownFromTheCall() => Virtual.Run(async loop =>
    {
        using var cts = new CancellationTokenSource(Timeout.InfiniteTimeSpan, loop.TimeProvider);
        await EventLoop.Sleep(S(10));
        cts.CancelAfter(S(5));
        await Catch.AnyAsync<OperationCanceledException>(() => Task.Delay(TimeSpan.FromHours(1), loop.TimeProvider, cts.Token));
        Assert.Equal(S(15), loop.Now);
    });

    [Fact]
    public void CreateTimer_InvalidArguments_AreRejectedLikeSystemTimers() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        var tp = loop.TimeProvider;
        Assert.Throws<ArgumentNullException>(() => tp.CreateTimer(null!, null, S(1), S(1)));
        Assert.Equal("dueTime", Assert.Throws<ArgumentOutOfRangeException>(() => tp.CreateTimer(_ => { }, null, S(-1), S(1))).ParamName);
        Assert.Equal("period", Assert.Throws<ArgumentOutOfRangeException>(() => tp.CreateTimer(_ => { }, null, S(1), S(-2))).ParamName);
        using var infinite = tp.CreateTimer(_ => { }, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Assert.Throws<ArgumentOutOfRangeException>(() => infinite.Change(S(-1), Timeout.InfiniteTimeSpan));
    });
}
