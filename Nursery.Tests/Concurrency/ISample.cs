namespace Nursery.Tests.Concurrency;

/// <summary>One side of a linearizability sample (the real host, or its model): what its operations saw.</summary>
public interface ISample
{
    Observations Seen { get; }
}
