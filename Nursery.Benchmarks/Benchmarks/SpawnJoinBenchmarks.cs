using BenchmarkDotNet.Attributes;
using Nito.AsyncEx;
using Nursery.Benchmarks.Baselines;

namespace Nursery.Benchmarks;

/// <summary>
/// Spawn + join: N trivial children that each yield once and return an int, which the parent collects. Nursery's
/// TaskManager side by side with the ways a .NET engineer would otherwise write it, and with the floor (a minimal
/// single-threaded loop). The ratio column is against Task.Run + Task.WhenAll. Two concrete classes pick the sizes,
/// so the 1M case can run fewer, longer iterations.
/// </summary>
/// <remarks>
/// The loops are long-lived, like the thread pool the baseline uses: their run queues reach their working size in
/// the warm-up and keep it, as in a real program (a new loop per operation would time the queue's growth instead).
/// Nito.AsyncEx's AsyncContext and its Task-per-post imitation are made per operation, because that is how
/// AsyncContext.Run is used.
/// </remarks>
[MemoryDiagnoser]
public abstract class SpawnJoinBenchmarks
{
    private EventLoop _loop = null!;
    private MinimalLoop _minimalLoop = null!;

    /// <summary>Number of children.</summary>
    public abstract int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _loop = new EventLoop();
        _minimalLoop = new MinimalLoop();
    }

    [GlobalCleanup]
    public void Cleanup() => _loop.Dispose();

    /// <summary>Thread-pool children: what most .NET code does for fan-out.</summary>
    [Benchmark(Baseline = true, Description = "Task.Run + WhenAll")]
    public long TaskRunWhenAll()
    {
        var tasks = new Task<int>[N];
        for (var i = 0; i < tasks.Length; i++) tasks[i] = Task.Run(Children.TaskYield);
        return Children.Sum(Task.WhenAll(tasks).GetAwaiter().GetResult());
    }

    /// <summary>Direct calls of an async method (no context: each Task.Yield resumes on the thread pool).</summary>
    [Benchmark(Description = "async calls + WhenAll")]
    public long AsyncCallsWhenAll() => CallAndJoinAsync(Children.TaskYield, N).GetAwaiter().GetResult();

    /// <summary>The floor: the same direct calls on a ~100-line single-threaded loop.</summary>
    [Benchmark(Description = "minimal loop (floor)")]
    public long MinimalLoop() => _minimalLoop.Run(() => CallAndJoinAsync(Children.TaskYield, N));

    /// <summary>The same direct calls on a Nito.AsyncEx-style context that wraps every post in a Task.</summary>
    [Benchmark(Description = "Task-per-post context")]
    public long TaskPerPost()
    {
        using var context = new TaskPerPostContext();
        return context.Run(() => CallAndJoinAsync(Children.TaskYield, N));
    }

    /// <summary>The same direct calls under Nito.AsyncEx's real AsyncContext (package Nito.AsyncEx.Context).</summary>
    [Benchmark(Description = "Nito AsyncContext")]
    public long NitoAsyncContext() => AsyncContext.Run(() => CallAndJoinAsync(Children.TaskYield, N));

    /// <summary>Nursery as users write it: children in a TaskManager, EventLoop.Yield as the checkpoint.</summary>
    [Benchmark(Description = "Nursery TaskManager")]
    public long Nursery() => _loop.Run(() => SpawnAndJoinAsync(_loop, Children.YieldOnLoop, N));

    /// <summary>Nursery with Task.Yield in the children: the cost of the checkpoint shows as the difference.</summary>
    [Benchmark(Description = "Nursery TaskManager, Task.Yield")]
    public long NurseryTaskYield() => _loop.Run(() => SpawnAndJoinAsync(_loop, Children.TaskYield, N));

    private static async Task<long> CallAndJoinAsync(Func<Task<int>> body, int n)
    {
        var tasks = new Task<int>[n];
        for (var i = 0; i < tasks.Length; i++) tasks[i] = body();
        return Children.Sum(await Task.WhenAll(tasks));
    }

    private static async Task<long> SpawnAndJoinAsync(EventLoop loop, Func<Task<int>> body, int n)
    {
        var children = new ChildTask<int>[n];
        await using (var tm = new TaskManager(loop))
        {
            for (var i = 0; i < children.Length; i++) children[i] = tm.Spawn(body);
        }
        return Children.Sum(children);
    }
}
