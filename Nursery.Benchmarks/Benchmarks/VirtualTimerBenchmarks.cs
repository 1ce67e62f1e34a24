using BenchmarkDotNet.Attributes;
using Nursery.Benchmarks.Baselines;

namespace Nursery.Benchmarks;

/// <summary>
/// Timers on virtual time (the heap's cost only: no real waiting). N children each sleep a random 0–1000 ms and
/// return an int. The baseline is the minimal loop with a <see cref="PriorityQueue{TElement, TPriority}"/>; Nursery
/// runs the same sleeps bare (async calls joined with WhenAll, the like-for-like row) and as TaskManager children.
/// Both loops are long-lived (their queues and heaps keep their size between operations, as in a real program).
/// </summary>
public class VirtualTimerBenchmarks : SleepBenchmarks
{
    /// <summary>Which delay the next Nursery child takes: children start in spawn order, so child i reads delay i.</summary>
    private int _next;

    /// <summary>One cached body for every Nursery child (no per-child closure, like the peers' direct calls).</summary>
    private Func<Task<int>> _sleeper = null!;

    private MinimalLoop _minimalLoop = null!;

    protected override int MaxDelayMilliseconds => 1000;

    [Benchmark(Baseline = true, Description = "minimal loop + PriorityQueue")]
    public long MinimalLoopPriorityQueue()
    {
        var loop = _minimalLoop;
        return loop.Run(async () =>
        {
            var tasks = new Task<int>[Delays.Length];
            for (var i = 0; i < tasks.Length; i++) tasks[i] = SleepOnMinimalLoopAsync(loop, (long)Delays[i].TotalMilliseconds);
            return Children.Sum(await Task.WhenAll(tasks));
        });
    }

    [Benchmark(Description = "Nursery EventLoop.Sleep (bare)")]
    public long NurserySleep() => SleepAllOnLoop();

    [Benchmark(Description = "Nursery TaskManager children")]
    public long NurseryTaskManager()
    {
        var loop = Loop;
        _next = 0;
        return loop.Run(async () =>
        {
            var children = new ChildTask<int>[Delays.Length];
            await using (var tm = new TaskManager(loop))
            {
                for (var i = 0; i < children.Length; i++) children[i] = tm.Spawn(_sleeper);
            }
            return Children.Sum(children);
        });
    }

    protected override LoopClock CreateClock() => new VirtualClock();

    protected override void OnSetup()
    {
        _sleeper = () => Children.SleepOnLoopAsync(Delays[_next++]);
        _minimalLoop = new MinimalLoop();
    }

    private static async Task<int> SleepOnMinimalLoopAsync(MinimalLoop loop, long milliseconds)
    {
        await loop.Sleep(milliseconds);
        return 1;
    }
}
