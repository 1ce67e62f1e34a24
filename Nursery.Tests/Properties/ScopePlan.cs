namespace Nursery.Tests.Properties;

/// <summary>A manager in a random program: its form, the children it starts with, and its body's steps.</summary>
/// <param name="RunAsync">TaskManager.RunAsync (the body is part of the group) or 'await using'.</param>
/// <param name="Children">Children spawned (or scheduled) right after the manager is created.</param>
/// <param name="Body">What the code inside the scope does next, before the join.</param>
/// <param name="MaxConcurrency">The manager's limit on running children; null for none.</param>
/// <param name="CollectAll">A supervisor (FailurePolicy.CollectAll) rather than the default CancelSiblings.</param>
public sealed record ScopePlan(bool RunAsync, IReadOnlyList<ChildPlan> Children, IReadOnlyList<Step> Body, int? MaxConcurrency = null, bool CollectAll = false)
{
    public TaskManagerOptions Options => new()
    {
        MaxConcurrency = MaxConcurrency ?? int.MaxValue,
        FailurePolicy = CollectAll ? FailurePolicy.CollectAll : FailurePolicy.CancelSiblings,
    };

    public string Describe() =>
        $"{(RunAsync ? "RunAsync" : "await using")}{(MaxConcurrency is { } k ? $" limit {k}" : "")}{(CollectAll ? " collect-all" : "")} {{ children: [{string.Join(", ", Children.Select(c => c.Describe()))}] body: [{string.Join("; ", Body.Select(s => s.Describe()))}] }}";

    public override string ToString() => Describe();
}
