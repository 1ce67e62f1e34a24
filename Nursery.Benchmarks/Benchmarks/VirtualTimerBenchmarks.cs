using BenchmarkDotNet.Attributes;
using Nursery.Benchmarks.Baselines;

namespace Nursery.Benchmarks;

/// <summary>
/// Timers on virtual time (the heap's cost only: no real waiting). N children each sleep a random 0–1000 ms and
/// return an int. The baseline is the minimal loop with a <see cref="PriorityQueue{TElement, TPriority}"/>; Nursery
/// runs the same sleeps bare (async calls joined with WhenAll, the like-for-like row) and as TaskManager children.
/// Both loops are long-lived (their queues and heaps keep their size between operations, as in a real program).
/// </summary>
[MemoryDiagnoser]
public class VirtualTimerBenchmarks
{
    /// <summary>The delays, the same for every method: random, from a fixed seed.</summary>
    private TimeSpan[] _delays = [];

    /// <summary>Which delay the next Nursery child takes: children start in spawn order, so child i reads delay i.</summary>
    private int _next;

    /// <summary>One cached body for every Nursery child (no per-child closure, like the peers' direct calls).</summary>
    private Func<Task<int>> _sleeper = null!;

    private MinimalLoop _minimalLoop = null!;
    private EventLoop _loop = null!;

    public static IEnumerable<int> Sizes => BenchSizes.Pick(100, 10_000, 100_000);

    [ParamsSource(nameof(Sizes))]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _delays = new TimeSpan[N];
        for (var i = 0; i < _delays.Length; i++) _delays[i] = TimeSpan.FromMilliseconds(random.Next(0, 1001));
        _sleeper = () => Children.SleepOnLoopAsync(_delays[_next++]);
        _minimalLoop = new MinimalLoop();
        _loop = new EventLoop(new VirtualClock());
    }

    [GlobalCleanup]
    public void Cleanup() => _loop.Dispose();

    [Benchmark(Baseline = true, Description = "minimal loop + PriorityQueue")]
    public long MinimalLoopPriorityQueue()
    {
        var loop = _minimalLoop;
        return loop.Run(async () =>
        {
            var tasks = new Task<int>[_delays.Length];
            for (var i = 0; i < tasks.Length; i++) tasks[i] = SleepOnMinimalLoopAsync(loop, (long)_delays[i].TotalMilliseconds);
            return Children.Sum(await Task.WhenAll(tasks));
        });
    }

    [Benchmark(Description = "Nursery EventLoop.Sleep (bare)")]
    public long NurserySleep()
    {
        return _loop.Run(async () =>
        {
            var tasks = new Task<int>[_delays.Length];
            for (var i = 0; i < tasks.Length; i++) tasks[i] = Children.SleepOnLoopAsync(_delays[i]);
            return Children.Sum(await Task.WhenAll(tasks));
        });
    }

    [Benchmark(Description = "Nursery TaskManager children")]
    public long NurseryTaskManager()
    {
        var loop = _loop;
        _next = 0;
        return loop.Run(async () =>
        {
            var children = new ChildTask<int>[_delays.Length];
            await using (var tm = new TaskManager(loop))
            {
                for (var i = 0; i < children.Length; i++) children[i] = tm.Spawn(_sleeper);
            }
            return Children.Sum(children);
        });
    }

    private static async Task<int> SleepOnMinimalLoopAsync(MinimalLoop loop, long milliseconds)
    {
        await loop.Sleep(milliseconds);
        return 1;
    }
}
