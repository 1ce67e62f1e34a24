namespace Nursery;

/// <summary>A <see cref="LoopChannel{T}"/> writer waiting for room, with the item it will write. Cancelled, it writes nothing.</summary>
/// <typeparam name="T">The item type.</typeparam>
internal sealed class WriteWaiter<T>(EventLoop loop, LoopSynchronizationContext node, IWaitSource source, T item)
    : LoopWaiter<bool>(loop, node, source)
{
    /// <summary>The item to write once there is room.</summary>
    public T Item { get; } = item;
}
