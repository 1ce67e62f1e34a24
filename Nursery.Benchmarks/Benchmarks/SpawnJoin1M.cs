using BenchmarkDotNet.Attributes;

namespace Nursery.Benchmarks;

/// <summary>Spawn + join at 1M children: each operation takes about a second, so few iterations are enough.</summary>
[WarmupCount(2)]
[IterationCount(6)]
public class SpawnJoin1M : SpawnJoinBenchmarks
{
    public static IEnumerable<int> Sizes => BenchSizes.Pick(100, 1_000_000);

    [ParamsSource(nameof(Sizes))]
    public override int N { get; set; }
}
