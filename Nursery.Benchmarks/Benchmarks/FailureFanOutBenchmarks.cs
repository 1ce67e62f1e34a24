using BenchmarkDotNet.Attributes;

namespace Nursery.Benchmarks;

/// <summary>
/// Failure fan-out, end to end: N siblings sleep (for an hour), one more child fails, every sibling is cancelled
/// and joined, and the failure comes out of the join. The time from the failure alone to the rethrow is measured
/// by the console mode (<c>fanout</c>), since BenchmarkDotNet times whole operations only. An operation takes
/// about a second at 100k siblings, so a few iterations are enough.
/// </summary>
[MemoryDiagnoser]
[WarmupCount(2)]
[IterationCount(8)]
public class FailureFanOutBenchmarks
{
    /// <summary>Long-lived, like the thread pool the baseline uses.</summary>
    private EventLoop _loop = null!;

    [GlobalSetup]
    public void Setup() => _loop = new EventLoop(new VirtualClock());

    [GlobalCleanup]
    public void Cleanup() => _loop.Dispose();

    public static IEnumerable<int> Sizes => BenchSizes.Pick(100, 100_000);

    [ParamsSource(nameof(Sizes))]
    public int N { get; set; }

    /// <summary>
    /// What .NET code does without a nursery: siblings wait on a shared token, the failing child cancels it before
    /// it throws, and Task.WhenAll joins everything and rethrows the failure.
    /// </summary>
    [Benchmark(Baseline = true, Description = "CancellationTokenSource + WhenAll")]
    public int TokenAndWhenAll() => FanOut.RunTokenAndWhenAll(N);

    [Benchmark(Description = "Nursery TaskManager")]
    public int Nursery() => FanOut.RunNursery(_loop, N, onFailure: null);
}
