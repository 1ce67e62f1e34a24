using BenchmarkDotNet.Attributes;
using Nursery.Benchmarks.Baselines;

namespace Nursery.Benchmarks;

/// <summary>
/// Cross-thread submission: 1 or 2 producer threads submit <see cref="Items"/> trivial work items in total to a loop
/// running on its own thread, then await every result. Items per second = Items / Mean. The baseline is the floor
/// (a bare ConcurrentQueue + wake-up loop); Nito.AsyncEx's real AsyncContextThread and the hand-written
/// Task-per-post imitation of it are the designs to compare with. The <c>submit</c> console mode takes the same
/// scenario to 8 producers.
/// </summary>
[MemoryDiagnoser]
[WarmupCount(2)]
[IterationCount(8)]
public class CrossThreadSubmitBenchmarks
{
    private ISubmitTarget _bare = null!;
    private ISubmitTarget _taskPerPost = null!;
    private ISubmitTarget _asyncContext = null!;
    private ISubmitTarget _nurseryInbox = null!;
    private ISubmitTarget _loopThread = null!;

    public static IEnumerable<int> Sizes => BenchSizes.Pick(1_000, 1_000_000);

    /// <summary>Work items per operation, split evenly between the producers.</summary>
    [ParamsSource(nameof(Sizes))]
    public int Items { get; set; }

    [Params(1, 2)]
    public int Producers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _bare = Submission.CreateTarget("floor");
        _taskPerPost = Submission.CreateTarget("taskperpost");
        _asyncContext = Submission.CreateTarget("asynccontext");
        _nurseryInbox = Submission.CreateTarget("inbox");
        _loopThread = Submission.CreateTarget("loopthread");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _bare.Dispose();
        _taskPerPost.Dispose();
        _asyncContext.Dispose();
        _nurseryInbox.Dispose();
        _loopThread.Dispose();
    }

    [Benchmark(Baseline = true, Description = "ConcurrentQueue + wake-up (floor)")]
    public long BareQueue() => Submission.Drive(_bare, Items, Producers);

    [Benchmark(Description = "Task-per-post context")]
    public long TaskPerPost() => Submission.Drive(_taskPerPost, Items, Producers);

    [Benchmark(Description = "Nito AsyncContextThread")]
    public long NitoAsyncContextThread() => Submission.Drive(_asyncContext, Items, Producers);

    [Benchmark(Description = "Nursery loop inbox (no host)")]
    public long NurseryInbox() => Submission.Drive(_nurseryInbox, Items, Producers);

    [Benchmark(Description = "Nursery LoopThread.Submit")]
    public long LoopThreadSubmit() => Submission.Drive(_loopThread, Items, Producers);
}
