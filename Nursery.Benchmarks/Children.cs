namespace Nursery.Benchmarks;

/// <summary>
/// The child bodies every benchmark shares, cached as delegates so no benchmark pays for a closure the others do
/// not. Each does the same work: yield (or sleep) once, then return an int that the caller collects.
/// </summary>
public static class Children
{
    /// <summary>Nursery's idiomatic child: one <see cref="EventLoop.Yield"/> checkpoint, then a result.</summary>
    public static readonly Func<Task<int>> YieldOnLoop = YieldOnLoopAsync;

    /// <summary>The same child written for any context: <see cref="Task.Yield"/> posts to whatever context is current.</summary>
    public static readonly Func<Task<int>> TaskYield = TaskYieldAsync;

    /// <summary>A Nursery child that sleeps for an hour (until its manager cancels it).</summary>
    public static readonly Func<Task<int>> SleepAnHour = SleepAnHourAsync;

    /// <summary>A Nursery child that fails on its first turn after starting.</summary>
    public static readonly Func<Task<int>> FailAfterYield = FailAfterYieldAsync;

    /// <summary>Sleeps <paramref name="delay"/> on the current event loop, then returns 1.</summary>
    public static async Task<int> SleepOnLoopAsync(TimeSpan delay)
    {
        await EventLoop.Sleep(delay);
        return 1;
    }

    /// <summary>Sleeps <paramref name="delay"/> with <see cref="Task.Delay(TimeSpan, CancellationToken)"/>, then returns 1.</summary>
    public static async Task<int> DelayAsync(TimeSpan delay, CancellationToken cancellationToken = default)
    {
        await Task.Delay(delay, cancellationToken);
        return 1;
    }

    /// <summary>N delays of 0 to <paramref name="maxMilliseconds"/> ms from a fixed seed: every method and run sleeps the same.</summary>
    public static TimeSpan[] RandomDelays(int n, int maxMilliseconds)
    {
        var random = new Random(42);
        var delays = new TimeSpan[n];
        for (var i = 0; i < delays.Length; i++) delays[i] = TimeSpan.FromMilliseconds(random.Next(0, maxMilliseconds + 1));
        return delays;
    }

    /// <summary>Sums the collected results (so no benchmark can skip producing them).</summary>
    public static long Sum(ReadOnlySpan<int> results)
    {
        long sum = 0;
        foreach (var r in results) sum += r;
        return sum;
    }

    /// <summary>Sums the results of joined children.</summary>
    public static long Sum(ChildTask<int>[] children)
    {
        long sum = 0;
        foreach (var child in children) sum += child.Result;
        return sum;
    }

    private static async Task<int> YieldOnLoopAsync()
    {
        await EventLoop.Yield();
        return 1;
    }

    private static async Task<int> TaskYieldAsync()
    {
        await Task.Yield();
        return 1;
    }

    private static async Task<int> SleepAnHourAsync()
    {
        await EventLoop.Sleep(TimeSpan.FromHours(1));
        return 1;
    }

    private static async Task<int> FailAfterYieldAsync()
    {
        await EventLoop.Yield();
        throw new BenchmarkFailure();
    }
}
