using BenchmarkDotNet.Attributes;
using Nursery.Benchmarks.Baselines;

namespace Nursery.Benchmarks;

/// <summary>
/// Cross-thread submission: 1 or 2 producer threads submit <see cref="Items"/> trivial work items in total to a loop
/// running on its own thread, then await every result. Items per second = Items / Mean. The baseline is the floor
/// (a bare ConcurrentQueue + wake-up loop); the Task-per-post context is the design to beat by ≥ 3×.
/// </summary>
/// <remarks>
/// PLACEHOLDER (issue 4): the LoopThread row is compiled only with NURSERY_HOSTING defined (see
/// Baselines/LoopThreadTarget.cs); until the hosting layer is merged, "Nursery loop inbox (no host)" measures the
/// layer LoopThread.Submit is built on.
/// </remarks>
[MemoryDiagnoser]
[WarmupCount(2)]
[IterationCount(8)]
public class CrossThreadSubmitBenchmarks
{
    /// <summary>Returned by every work item: the work is trivial, so the benchmark measures the transfer.</summary>
    private static readonly Task<int> s_one = Task.FromResult(1);

    private static readonly Func<CancellationToken, Task<int>> s_work = _ => s_one;

    private BareQueueLoop _bare = null!;
    private TaskPerPostThread _taskPerPost = null!;
    private NurseryInboxTarget _nurseryInbox = null!;
    private LoopThreadTarget _loopThread = null!;

    public static IEnumerable<int> Sizes => BenchSizes.Pick(1_000, 1_000_000);

    /// <summary>Work items per operation, split evenly between the producers.</summary>
    [ParamsSource(nameof(Sizes))]
    public int Items { get; set; }

    [Params(1, 2)]
    public int Producers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _bare = new BareQueueLoop();
        _taskPerPost = new TaskPerPostThread();
        _nurseryInbox = new NurseryInboxTarget();
        _loopThread = new LoopThreadTarget();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _bare.Dispose();
        _taskPerPost.Dispose();
        _nurseryInbox.Dispose();
        _loopThread.Dispose();
    }

    [Benchmark(Baseline = true, Description = "ConcurrentQueue + wake-up (floor)")]
    public long BareQueue() => Drive(_bare);

    [Benchmark(Description = "Task-per-post context")]
    public long TaskPerPost() => Drive(_taskPerPost);

    [Benchmark(Description = "Nursery loop inbox (no host)")]
    public long NurseryInbox() => Drive(_nurseryInbox);

    [Benchmark(Description = "Nursery LoopThread.Submit")]
    public long LoopThreadSubmit() => Drive(_loopThread);

    /// <summary>Starts the producers together and waits until each has every one of its results.</summary>
    private long Drive(ISubmitTarget target)
    {
        var producers = Producers;
        var perProducer = Items / producers;
        var sums = new long[producers];
        var threads = new Thread[producers];
        using var start = new Barrier(producers);
        for (var p = 0; p < producers; p++)
        {
            var index = p;
            threads[p] = new Thread(() =>
            {
                start.SignalAndWait();
                sums[index] = Produce(target, perProducer);
            });
            threads[p].Start();
        }
        foreach (var thread in threads) thread.Join();
        return sums.Sum();
    }

    private static long Produce(ISubmitTarget target, int count)
    {
        var results = new Task<int>[count];
        for (var i = 0; i < results.Length; i++) results[i] = target.Submit(s_work);
        return Children.Sum(Task.WhenAll(results).GetAwaiter().GetResult());
    }
}
