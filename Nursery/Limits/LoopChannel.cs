namespace Nursery;

/// <summary>
/// Creates loop-native channels: <see cref="System.Threading.Channels.Channel{T}"/>s whose waits are cancellation
/// checkpoints and whose continuations never leave the loop. See <see cref="LoopChannel{T}"/>.
/// </summary>
public static class LoopChannel
{
    /// <summary>A channel that holds at most <paramref name="capacity"/> items; writers wait (FIFO) while it is full.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="capacity">How many items it buffers; at least 1.</param>
    /// <returns>The channel, bound to the loop running on this thread.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is less than 1.</exception>
    /// <exception cref="InvalidOperationException">No event loop is running on this thread.</exception>
    public static LoopChannel<T> CreateBounded<T>(int capacity) => CreateBounded<T>(CurrentLoop(), capacity);

    /// <summary>A channel that holds at most <paramref name="capacity"/> items, for code running on <paramref name="loop"/>.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="loop">The loop whose code reads and writes.</param>
    /// <param name="capacity">How many items it buffers; at least 1.</param>
    /// <returns>The channel.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="loop"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is less than 1.</exception>
    public static LoopChannel<T> CreateBounded<T>(EventLoop loop, int capacity)
    {
        ArgumentNullException.ThrowIfNull(loop);
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "A bounded channel holds at least 1 item; use CreateUnbounded for no limit.");
        return new LoopChannel<T>(loop, capacity);
    }

    /// <summary>A channel without a limit: writes never wait.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <returns>The channel, bound to the loop running on this thread.</returns>
    /// <exception cref="InvalidOperationException">No event loop is running on this thread.</exception>
    public static LoopChannel<T> CreateUnbounded<T>() => CreateUnbounded<T>(CurrentLoop());

    /// <summary>A channel without a limit, for code running on <paramref name="loop"/>.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="loop">The loop whose code reads and writes.</param>
    /// <returns>The channel.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="loop"/> is null.</exception>
    public static LoopChannel<T> CreateUnbounded<T>(EventLoop loop)
    {
        ArgumentNullException.ThrowIfNull(loop);
        return new LoopChannel<T>(loop, int.MaxValue);
    }

    private static EventLoop CurrentLoop() => EventLoop.Current ?? throw new InvalidOperationException(
        "LoopChannel.CreateBounded/CreateUnbounded without a loop bind the channel to the event loop running on this thread, " +
        "but there is none. Create it from code running on a loop, or pass the loop.");
}
