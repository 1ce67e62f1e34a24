using BenchmarkDotNet.Attributes;

namespace Nursery.Benchmarks;

/// <summary>Spawn + join at 10k and 100k children.</summary>
public class SpawnJoin : SpawnJoinBenchmarks
{
    public static IEnumerable<int> Sizes => BenchSizes.Pick(100, 10_000, 100_000);

    [ParamsSource(nameof(Sizes))]
    public override int N { get; set; }
}
