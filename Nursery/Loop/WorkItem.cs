namespace Nursery;

/// <summary>
/// One entry of the loop's run queue: a callback, its state, and the synchronization context it runs under.
/// The context tells the loop which child (if any) the callback belongs to, so <see cref="EventLoop.Sleep(TimeSpan)"/>
/// and <see cref="EventLoop.Yield"/> can observe that child's cancellation. A struct, so queueing allocates nothing.
/// </summary>
internal readonly struct WorkItem(SendOrPostCallback callback, object? state, LoopSynchronizationContext context)
{
    /// <summary>What to run.</summary>
    public readonly SendOrPostCallback Callback = callback;

    /// <summary>The argument for <see cref="Callback"/>.</summary>
    public readonly object? State = state;

    /// <summary>Installed as <see cref="SynchronizationContext.Current"/> while <see cref="Callback"/> runs.</summary>
    public readonly LoopSynchronizationContext Context = context;
}
