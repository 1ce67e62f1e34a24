using BenchmarkDotNet.Attributes;

namespace Nursery.Benchmarks;

/// <summary>
/// Failure fan-out, end to end: N siblings sleep (for an hour), one more child fails, every sibling is cancelled
/// and joined, and the failure comes out of the join. With <see cref="SiblingsThrow"/> every cancelled sibling
/// also throws from its <c>finally</c> block, so the join records and reports N + 1 failures (issue 13 bug 7: the
/// nursery's de-duplication of failures made this quadratic). The time from the failure alone to the rethrow is
/// measured by the console mode (<c>fanout</c>, with <c>--finally throw</c> for the second case), since
/// BenchmarkDotNet times whole operations only. An operation takes about a second at 100k siblings, so a few
/// iterations are enough.
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

    /// <summary>Whether every cancelled sibling throws from its finally block (N + 1 failures to report).</summary>
    [Params(false, true)]
    public bool SiblingsThrow { get; set; }

    /// <summary>
    /// What .NET code does without a nursery: siblings wait on a shared token, the failing child cancels it before
    /// it throws, and Task.WhenAll joins everything and rethrows the failure.
    /// </summary>
    [Benchmark(Baseline = true, Description = "CancellationTokenSource + WhenAll")]
    public int TokenAndWhenAll() => Check(FanOut.RunTokenAndWhenAll(N, onFailure: null, SiblingsThrow));

    [Benchmark(Description = "Nursery TaskManager")]
    public int Nursery() => Check(FanOut.RunNursery(_loop, N, onFailure: null, SiblingsThrow));

    /// <summary>A run that lost a failure must not pass for a fast one.</summary>
    private int Check(int failures) => failures == FanOut.ExpectedFailures(N, SiblingsThrow)
        ? failures
        : throw new InvalidOperationException($"Expected {FanOut.ExpectedFailures(N, SiblingsThrow)} failures from the join, got {failures}.");
}
