namespace Nursery;

/// <summary>
/// How a <see cref="TaskManager"/> runs its children: how many at once, what a failure does, and a name for diagnostics.
/// Pass it to <see cref="TaskManager(TaskManagerOptions)"/> or <see cref="TaskManager.RunAsync(TaskManagerOptions, Func{TaskManager, Task})"/>.
/// </summary>
/// <remarks>
/// A record, so one set of options can be shared and varied with <c>with</c>. Every value is checked when it is set:
/// an invalid one throws there, naming the property.
/// </remarks>
public sealed record TaskManagerOptions
{
    private readonly int _maxConcurrency = int.MaxValue;
    private readonly FailurePolicy _failurePolicy = FailurePolicy.CancelSiblings;

    /// <summary>The defaults: no limit, <see cref="FailurePolicy.CancelSiblings"/>, no name, ended children retained.</summary>
    public TaskManagerOptions()
    {
    }

    /// <summary>
    /// How many children may run at once (<see cref="int.MaxValue"/>, the default: no limit). Children beyond it stay
    /// <see cref="ChildTaskStatus.Scheduled"/> and start in FIFO order as running children end; a
    /// <see cref="TaskManager.Schedule(Func{Task}, TimeSpan)"/> child joins that queue when its delay has passed.
    /// <see cref="TaskManager.SpawnAsync(Func{CancellationToken, Task})"/> waits for a free slot (backpressure).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxConcurrency
    {
        get => _maxConcurrency;
        init
        {
            if (value < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(MaxConcurrency), value,
                    "MaxConcurrency must be at least 1 (int.MaxValue, the default, means no limit).");
            }
            _maxConcurrency = value;
        }
    }

    /// <summary>What a failing child does to its siblings: cancel them (the default) or leave them running (a supervisor).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="Nursery.FailurePolicy"/>.</exception>
    public FailurePolicy FailurePolicy
    {
        get => _failurePolicy;
        init
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(FailurePolicy), value,
                    "FailurePolicy must be FailurePolicy.CancelSiblings or FailurePolicy.CollectAll.");
            }
            _failurePolicy = value;
        }
    }

    /// <summary>A name for the manager, shown in <see cref="TaskManager.DumpTree"/>, traces, activities and error messages; null for none.</summary>
    public string? Name { get; init; }

    /// <summary>
    /// Whether ended children stay listed in <see cref="TaskManager.Children"/> and their results in
    /// <see cref="TaskManager.Values"/> (true, the default). Set it to false for a manager that runs an unbounded stream
    /// of children (a producer feeding millions of items through <see cref="TaskManager.SpawnAsync(Func{CancellationToken, Task})"/>):
    /// ended children are then dropped, so memory follows the live children only. Results still reach you through each
    /// child's handle and through <see cref="TaskManager.WhenEach"/> (start it before the children end); failures are
    /// still rethrown by the join and listed in <see cref="TaskManager.Failures"/>.
    /// </summary>
    public bool RetainEndedChildren { get; init; } = true;

    /// <summary>The options every manager created without options uses.</summary>
    internal static TaskManagerOptions Default { get; } = new();
}
