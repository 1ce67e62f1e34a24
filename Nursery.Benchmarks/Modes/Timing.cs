using System.Diagnostics;

namespace Nursery.Benchmarks.Modes;

/// <summary>
/// Wall-clock timing the way the Python and Node peers do it: warm-up runs for at least <see cref="WarmUp"/>, then the
/// best and median of R runs.
/// </summary>
public static class Timing
{
    /// <summary>
    /// How long every runtime warms up before it is measured (the peers use the same): long enough for the tiered JIT
    /// to replace its first code. One warm-up run measured 10k children at tier 0 and made small sizes look 2-4x
    /// slower than 100k.
    /// </summary>
    public static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Runs <paramref name="run"/> for at least <see cref="WarmUp"/> (at least once) to warm up, then
    /// <paramref name="runs"/> times; reports figures per unit of work (<paramref name="units"/> of them per run):
    /// <c>ns_per_{unit}</c>, <c>ns_per_{unit}_median</c> and <c>alloc_b_per_{unit}</c>, with <paramref name="unit"/> a
    /// child, a nesting level or a submitted item.
    /// </summary>
    public static void Measure(Result result, long units, int runs, Func<long> run, string unit = "child")
    {
        if (runs < 1) throw new ArgumentOutOfRangeException(nameof(runs), $"--runs must be at least 1, not {runs}.");
        var warmUpEnd = Stopwatch.GetTimestamp() + (long)(WarmUp.TotalSeconds * Stopwatch.Frequency);
        var check = run();
        while (Stopwatch.GetTimestamp() < warmUpEnd) check = run();
        var times = new List<double>(runs);
        long allocated = 0;
        // Collections and GC pause time in the best run: where a shape's time goes when its objects outlive gen0.
        var bestGc = (Gen0: 0, Gen1: 0, Gen2: 0, Pause: TimeSpan.Zero);
        // CPU time of the whole process (every thread, the GC's included): on a loaded machine wall time includes waiting
        // for a core, CPU time does not, so its minimum is the steadier figure for comparing implementations.
        var cpuTimes = new List<double>(runs);
        using var process = Process.GetCurrentProcess();
        for (var r = 0; r < runs; r++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var bytesBefore = GC.GetTotalAllocatedBytes(precise: true);
            var (gen0, gen1, gen2, pause) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var start = Stopwatch.GetTimestamp();
            check = run();
            var elapsed = Stopwatch.GetElapsedTime(start).TotalNanoseconds;
            process.Refresh();
            cpuTimes.Add((process.TotalProcessorTime - cpuBefore).TotalNanoseconds);
            if (times.Count == 0 || elapsed < times.Min())
            {
                bestGc = (GC.CollectionCount(0) - gen0, GC.CollectionCount(1) - gen1, GC.CollectionCount(2) - gen2, GC.GetTotalPauseDuration() - pause);
            }
            times.Add(elapsed);
            allocated = GC.GetTotalAllocatedBytes(precise: true) - bytesBefore;
        }
        times.Sort();
        result.Set("runs", runs)
            .Set($"ns_per_{unit}", times[0] / units)
            .Set($"ns_per_{unit}_median", times[times.Count / 2] / units)
            .Set($"alloc_b_per_{unit}", (double)allocated / units)
            .Set($"cpu_ns_per_{unit}", cpuTimes.Min() / units)
            .Set("gc_pause_ms_best_run", bestGc.Pause.TotalMilliseconds)
            .Set("gc_counts_best_run", $"{bestGc.Gen0}/{bestGc.Gen1}/{bestGc.Gen2}")
            .Set("checksum", check);
        var plural = unit == "child" ? "children" : unit + "s";
        Console.WriteLine($"{units:N0} {plural}: best {times[0] / 1e6:F1} ms ({times[0] / units:F0} ns/{unit}), median {times[times.Count / 2] / 1e6:F1} ms, CPU best {cpuTimes.Min() / units:F0} ns/{unit}, {(double)allocated / units:F0} B allocated/{unit}; " +
            $"best run: GC pauses {bestGc.Pause.TotalMilliseconds:F1} ms, collections gen0/1/2 {bestGc.Gen0}/{bestGc.Gen1}/{bestGc.Gen2}");
    }
}
