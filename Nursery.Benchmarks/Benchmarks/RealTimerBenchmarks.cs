using BenchmarkDotNet.Attributes;

namespace Nursery.Benchmarks;

/// <summary>
/// Timers on the real clock: N sleeps of a random 0–50 ms, joined. Every operation takes at least the longest
/// delay (about 50 ms), so the ratio shows the overhead on top of that and whether the loop keeps up with N timers.
/// </summary>
public class RealTimerBenchmarks : SleepBenchmarks
{
    protected override int MaxDelayMilliseconds => 50;

    [Benchmark(Baseline = true, Description = "Task.Delay + WhenAll")]
    public long TaskDelay()
    {
        var tasks = new Task<int>[Delays.Length];
        for (var i = 0; i < tasks.Length; i++) tasks[i] = Children.DelayAsync(Delays[i]);
        return Children.Sum(Task.WhenAll(tasks).GetAwaiter().GetResult());
    }

    [Benchmark(Description = "Nursery EventLoop.Sleep + WhenAll")]
    public long NurserySleep() => SleepAllOnLoop();

    protected override LoopClock CreateClock() => new SystemClock();
}
