using System.Diagnostics;

namespace Nursery.Benchmarks;

/// <summary>The failure fan-out scenario, shared by the benchmark and the console mode that times the fan-out alone.</summary>
public static class FanOut
{
    /// <summary>
    /// N sleeping TaskManager children and one that fails; returns 1 once the failure has come out of the join.
    /// <paramref name="onFailure"/> is told the timestamp just before the failing child throws.
    /// </summary>
    public static int RunNursery(EventLoop loop, int siblings, Action<long>? onFailure)
    {
        return loop.Run(async () =>
        {
            try
            {
                await using var tm = new TaskManager(loop);
                for (var i = 0; i < siblings; i++) tm.Spawn(Children.SleepAnHour);
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
            return 0;
        });
    }

    /// <summary>The .NET peer: a shared CancellationTokenSource and Task.WhenAll, on the thread pool.</summary>
    public static int RunTokenAndWhenAll(int siblings, Action<long>? onFailure = null)
    {
        using var cts = new CancellationTokenSource();
        var tasks = new Task<int>[siblings + 1];
        for (var i = 0; i < siblings; i++) tasks[i] = Children.DelayAsync(Timeout.InfiniteTimeSpan, cts.Token);
        tasks[siblings] = FailAndCancelAsync(cts, onFailure);
        try
        {
            Task.WhenAll(tasks).GetAwaiter().GetResult();
        }
        catch (BenchmarkFailure)
        {
            return 1;
        }
        return 0;
    }

    private static async Task<int> FailAndCancelAsync(CancellationTokenSource cts, Action<long>? onFailure)
    {
        await Task.Yield();
        onFailure?.Invoke(Stopwatch.GetTimestamp());
        // What a hand-written fan-out does on failure: cancel the siblings, then let the join see the exception.
        await cts.CancelAsync();
        throw new BenchmarkFailure();
    }
}
