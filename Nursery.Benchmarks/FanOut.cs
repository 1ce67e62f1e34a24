using System.Diagnostics;

namespace Nursery.Benchmarks;

/// <summary>
/// The failure fan-out scenario, shared by the benchmark and the console mode that times the fan-out alone: N
/// siblings sleep (for an hour), one more child fails, every sibling is cancelled and joined, and the failure comes
/// out of the join. With <c>siblingsThrow</c> every cancelled sibling also throws from its <c>finally</c> block
/// (cleanup that fails while being cancelled, issue 13 bug 7), so the join has N + 1 failures to record and report.
/// </summary>
public static class FanOut
{
    /// <summary>A sibling that sleeps for an hour and, however its sleep ends, fails in its cleanup.</summary>
    private static readonly Func<Task<int>> s_sleepThenFailInFinally = SleepThenFailInFinallyAsync;

    /// <summary>
    /// N sleeping TaskManager children and one that fails; returns how many failures came out of the join (1, or
    /// N + 1 when <paramref name="siblingsThrow"/>). <paramref name="onFailure"/> is told the timestamp just before
    /// the failing child throws.
    /// </summary>
    public static int RunNursery(EventLoop loop, int siblings, Action<long>? onFailure, bool siblingsThrow = false)
    {
        var sibling = siblingsThrow ? s_sleepThenFailInFinally : Children.SleepAnHour;
        return loop.Run(async () =>
        {
            try
            {
                await using var tm = new TaskManager(loop);
                for (var i = 0; i < siblings; i++) tm.Spawn(sibling);
                tm.Spawn(onFailure is null ? Children.FailAfterYield : async () =>
                {
                    await EventLoop.Yield();
                    onFailure(Stopwatch.GetTimestamp());
                    throw new BenchmarkFailure();
                });
            }
            catch (BenchmarkFailure)
            {
                return 1;
            }
            catch (AggregateException e) when (e.InnerExceptions.All(inner => inner is BenchmarkFailure))
            {
                return e.InnerExceptions.Count;
            }
            return 0;
        });
    }

    /// <summary>The .NET peer: a shared CancellationTokenSource and Task.WhenAll, on the thread pool. Returns as <see cref="RunNursery"/>.</summary>
    public static int RunTokenAndWhenAll(int siblings, Action<long>? onFailure = null, bool siblingsThrow = false)
    {
        using var cts = new CancellationTokenSource();
        var tasks = new Task<int>[siblings + 1];
        for (var i = 0; i < siblings; i++)
            tasks[i] = siblingsThrow ? DelayThenFailInFinallyAsync(cts.Token) : Children.DelayAsync(Timeout.InfiniteTimeSpan, cts.Token);
        tasks[siblings] = FailAndCancelAsync(cts, onFailure);
        var all = Task.WhenAll(tasks);
        try
        {
            all.GetAwaiter().GetResult();
        }
        catch (BenchmarkFailure)
        {
            // GetResult rethrows the first failure; the task holds all of them, as the nursery's join reports them.
            return all.Exception!.InnerExceptions.Count;
        }
        return 0;
    }

    /// <summary>The number of failures a fan-out of <paramref name="siblings"/> must report.</summary>
    public static int ExpectedFailures(int siblings, bool siblingsThrow) => siblingsThrow ? siblings + 1 : 1;

    private static async Task<int> FailAndCancelAsync(CancellationTokenSource cts, Action<long>? onFailure)
    {
        await Task.Yield();
        onFailure?.Invoke(Stopwatch.GetTimestamp());
        // What a hand-written fan-out does on failure: cancel the siblings, then let the join see the exception.
        await cts.CancelAsync();
        throw new BenchmarkFailure();
    }

    // Throwing from finally is the point of these two: cleanup that fails while its child is being cancelled.
#pragma warning disable CA2219
    private static async Task<int> SleepThenFailInFinallyAsync()
    {
        try
        {
            await EventLoop.Sleep(TimeSpan.FromHours(1));
            return 1;
        }
        finally
        {
            throw new BenchmarkFailure("Cleanup failed while the child was cancelled (failure fan-out benchmark).");
        }
    }

    private static async Task<int> DelayThenFailInFinallyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            return 1;
        }
        finally
        {
            throw new BenchmarkFailure("Cleanup failed while the task was cancelled (failure fan-out benchmark).");
        }
    }
#pragma warning restore CA2219
}
