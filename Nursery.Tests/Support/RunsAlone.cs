namespace Nursery.Tests.Support;

/// <summary>
/// A test collection that xunit runs on its own, after the parallel ones: for measurements of the whole process
/// (CPU time, thread counts) that other tests running at the same time would spoil.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone
{
    public const string Name = "Runs alone (process-wide measurements)";
}
