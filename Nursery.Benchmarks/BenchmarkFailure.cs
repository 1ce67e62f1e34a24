namespace Nursery.Benchmarks;

/// <summary>The failure the fan-out benchmarks throw; its own type so nothing else is caught by mistake.</summary>
public sealed class BenchmarkFailure : Exception
{
    public BenchmarkFailure()
        : base("A child failed on purpose (failure fan-out benchmark).")
    {
    }

    public BenchmarkFailure(string message)
        : base(message)
    {
    }

    public BenchmarkFailure(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
