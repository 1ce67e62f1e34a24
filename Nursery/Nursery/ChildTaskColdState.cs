namespace Nursery;

/// <summary>
/// The parts of a child's state that most children never need, kept out of <see cref="ChildTask"/> so that a plain
/// child stays small. Made on first use by <see cref="ChildTask"/>.
/// </summary>
internal sealed class ChildTaskColdState
{
    /// <summary>The failure of a faulted child. Written on the loop thread before the child's final status.</summary>
    public Exception? Failure;

    /// <summary>Managers created and scopes entered in the child's code, and children starting under it. Loop thread only.</summary>
    public NestedNodes? Nested;

    /// <summary>The child's slot in the nested nodes of the code it is starting under (<see cref="TaskManager.StartAsync"/>).</summary>
    public int NestedIndex = -1;

    /// <summary>While the child is starting: the code that called StartAsync, whose cancellation it runs under.</summary>
    public LoopSynchronizationContext? StartingUnder;

    /// <summary>While the child is starting: the StartAsync waiting for it.</summary>
    public IStartOperation? Start;

    /// <summary>The TaskCompletionSource behind <see cref="ChildTask.Completion"/>. Installed with a CAS from any thread.</summary>
    public object? Completion;

    /// <summary>Exceptions that joins of managers nested in this child threw into its code. Loop thread only.</summary>
    public List<Exception>? ReportedFailures;

    /// <summary>How many <see cref="AsyncEvent.WaitAsync"/> calls of this child are pending (for DumpTree). Interlocked: waits end on any thread.</summary>
    public int EventWaits;

    /// <summary>The name given at Spawn/Schedule, for dumps and traces.</summary>
    public string? Name;

    /// <summary>Where the child was spawned ("path:line"), when known.</summary>
    public string? SpawnSite;

    /// <summary>Slot in the loop's timer heap while a scheduled child waits; -1 otherwise. Loop thread only.</summary>
    public int TimerIndex = -1;
}
