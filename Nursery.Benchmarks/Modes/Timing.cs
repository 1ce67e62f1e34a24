using System.Diagnostics;

namespace Nursery.Benchmarks.Modes;

/// <summary>Wall-clock timing the way the Python and Node peers do it: one warm-up, then the best and median of R runs.</summary>
public static class Timing
{
    /// <summary>Runs <paramref name="run"/> once to warm up, then <paramref name="runs"/> times; reports per-child figures.</summary>
    public static void Measure(Result result, int n, int runs, Func<long> run)
    {
        var check = run();
        var times = new List<double>(runs);
        long allocated = 0;
        for (var r = 0; r < runs; r++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var bytesBefore = GC.GetTotalAllocatedBytes(precise: true);
            var start = Stopwatch.GetTimestamp();
            check = run();
            times.Add(Stopwatch.GetElapsedTime(start).TotalNanoseconds);
            allocated = GC.GetTotalAllocatedBytes(precise: true) - bytesBefore;
        }
        times.Sort();
        result.Set("runs", runs)
            .Set("ns_per_child", times[0] / n)
            .Set("ns_per_child_median", times[times.Count / 2] / n)
            .Set("alloc_b_per_child", (double)allocated / n)
            .Set("checksum", check);
        Console.WriteLine($"{n:N0} children: best {times[0] / 1e6:F1} ms ({times[0] / n:F0} ns/child), median {times[times.Count / 2] / 1e6:F1} ms, {(double)allocated / n:F0} B allocated/child");
    }
}
