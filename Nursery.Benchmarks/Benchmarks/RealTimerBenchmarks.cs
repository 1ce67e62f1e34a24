using BenchmarkDotNet.Attributes;

namespace Nursery.Benchmarks;

/// <summary>
/// Timers on the real clock: N sleeps of a random 0–50 ms, joined. Every operation takes at least the longest
/// delay (about 50 ms), so the ratio shows the overhead on top of that and whether the loop keeps up with N timers.
/// </summary>
[MemoryDiagnoser]
public class RealTimerBenchmarks
{
    private TimeSpan[] _delays = [];

    /// <summary>Long-lived, like the runtime's timer queues the baseline uses.</summary>
    private EventLoop _loop = null!;

    public static IEnumerable<int> Sizes => BenchSizes.Pick(100, 10_000, 100_000);

    [ParamsSource(nameof(Sizes))]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _delays = new TimeSpan[N];
        for (var i = 0; i < _delays.Length; i++) _delays[i] = TimeSpan.FromMilliseconds(random.Next(0, 51));
        _loop = new EventLoop();
    }

    [GlobalCleanup]
    public void Cleanup() => _loop.Dispose();

    [Benchmark(Baseline = true, Description = "Task.Delay + WhenAll")]
    public long TaskDelay()
    {
        var tasks = new Task<int>[_delays.Length];
        for (var i = 0; i < tasks.Length; i++) tasks[i] = Children.DelayAsync(_delays[i]);
        return Children.Sum(Task.WhenAll(tasks).GetAwaiter().GetResult());
    }

    [Benchmark(Description = "Nursery EventLoop.Sleep + WhenAll")]
    public long NurserySleep()
    {
        return _loop.Run(async () =>
        {
            var tasks = new Task<int>[_delays.Length];
            for (var i = 0; i < tasks.Length; i++) tasks[i] = Children.SleepOnLoopAsync(_delays[i]);
            return Children.Sum(await Task.WhenAll(tasks));
        });
    }
}
