using System.Diagnostics;

namespace Nursery.Benchmarks.Modes;

/// <summary>Wall-clock timing the way the Python and Node peers do it: one warm-up, then the best and median of R runs.</summary>
public static class Timing
{
    /// <summary>
    /// Runs <paramref name="run"/> once to warm up, then <paramref name="runs"/> times; reports figures per unit of
    /// work (<paramref name="units"/> of them per run): <c>ns_per_{unit}</c>, <c>ns_per_{unit}_median</c> and
    /// <c>alloc_b_per_{unit}</c>, with <paramref name="unit"/> a child, a nesting level or a submitted item.
    /// </summary>
    public static void Measure(Result result, long units, int runs, Func<long> run, string unit = "child")
    {
        if (runs < 1) throw new ArgumentOutOfRangeException(nameof(runs), $"--runs must be at least 1, not {runs}.");
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
            .Set($"ns_per_{unit}", times[0] / units)
            .Set($"ns_per_{unit}_median", times[times.Count / 2] / units)
            .Set($"alloc_b_per_{unit}", (double)allocated / units)
            .Set("checksum", check);
        var plural = unit == "child" ? "children" : unit + "s";
        Console.WriteLine($"{units:N0} {plural}: best {times[0] / 1e6:F1} ms ({times[0] / units:F0} ns/{unit}), median {times[times.Count / 2] / 1e6:F1} ms, {(double)allocated / units:F0} B allocated/{unit}");
    }
}
