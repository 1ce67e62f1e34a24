using BenchmarkDotNet.Attributes;

namespace Nursery.Benchmarks;

/// <summary>
/// Bounded nurseries: N children that each yield once, at most 10 at a time. Spawned all at once into a manager with
/// MaxConcurrency (the queue holds the rest), fed by a SpawnAsync producer (the producer waits for each slot), and,
/// for comparison, the hand-rolled version: a SemaphoreSlim around every child of a plain manager, and SemaphoreSlim +
/// Task.WhenAll on the thread pool. The ratio column is against the unbounded manager.
/// </summary>
[MemoryDiagnoser]
public class LimitBenchmarks
{
    private const int Limit = 10;

    private EventLoop _loop = null!;

    /// <summary>Number of children.</summary>
    [ParamsSource(nameof(Sizes))]
    public int N { get; set; }

    public static IEnumerable<int> Sizes => BenchSizes.Pick(100, 10_000, 100_000);

    [GlobalSetup]
    public void Setup() => _loop = new EventLoop();

    [GlobalCleanup]
    public void Cleanup() => _loop.Dispose();

    /// <summary>No limit: the cost the others are measured against.</summary>
    [Benchmark(Baseline = true, Description = "unbounded TaskManager")]
    public long Unbounded() => _loop.Run(() => SpawnAllAsync(new TaskManagerOptions()));

    /// <summary>MaxConcurrency = 10, every child spawned at once: the manager queues the rest.</summary>
    [Benchmark(Description = "MaxConcurrency 10, Spawn all")]
    public long BoundedSpawn() => _loop.Run(() => SpawnAllAsync(new TaskManagerOptions { MaxConcurrency = Limit }));

    /// <summary>MaxConcurrency = 10 with a producer that awaits SpawnAsync for each child (backpressure).</summary>
    [Benchmark(Description = "MaxConcurrency 10, SpawnAsync producer")]
    public long SpawnAsyncProducer() => _loop.Run(async () =>
    {
        long sum = 0;
        await using (var tm = new TaskManager(new TaskManagerOptions { MaxConcurrency = Limit, RetainEndedChildren = false }))
        {
            for (var i = 0; i < N; i++)
            {
                await tm.SpawnAsync(async ct =>
                {
                    await EventLoop.Yield();
                    sum++;
                });
            }
        }
        return sum;
    });

    /// <summary>The hand-rolled limit on the loop: a SemaphoreSlim awaited around every child's work.</summary>
    [Benchmark(Description = "SemaphoreSlim in each child")]
    public long SemaphoreInChildren() => _loop.Run(async () =>
    {
        using var gate = new SemaphoreSlim(Limit);
        var children = new ChildTask<int>[N];
        await using (var tm = new TaskManager())
        {
            for (var i = 0; i < children.Length; i++)
            {
                children[i] = tm.Spawn(async () =>
                {
                    await gate.WaitAsync();
                    try
                    {
                        return await Children.YieldOnLoop();
                    }
                    finally
                    {
                        gate.Release();
                    }
                });
            }
        }
        return Children.Sum(children);
    });

    /// <summary>What .NET code does without a loop: SemaphoreSlim + Task.WhenAll on the thread pool.</summary>
    [Benchmark(Description = "SemaphoreSlim + WhenAll (thread pool)")]
    public long SemaphoreWhenAll()
    {
        using var gate = new SemaphoreSlim(Limit);
        var tasks = new Task<int>[N];
        for (var i = 0; i < tasks.Length; i++)
        {
            tasks[i] = Task.Run(async () =>
            {
                await gate.WaitAsync();
                try
                {
                    return await Children.TaskYield();
                }
                finally
                {
                    gate.Release();
                }
            });
        }
        return Children.Sum(Task.WhenAll(tasks).GetAwaiter().GetResult());
    }

    private async Task<long> SpawnAllAsync(TaskManagerOptions options)
    {
        var children = new ChildTask<int>[N];
        await using (var tm = new TaskManager(options))
        {
            for (var i = 0; i < children.Length; i++) children[i] = tm.Spawn(Children.YieldOnLoop);
        }
        return Children.Sum(children);
    }
}
