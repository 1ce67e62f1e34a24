namespace Nursery.Tests.Support;

/// <summary>Tests that count the process's threads: they run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial";
}
