using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;

namespace Nursery;

/// <summary>
/// A channel for code running on one <see cref="EventLoop"/>: it derives from the BCL's
/// <see cref="Channel{T}"/>, so code written for <c>System.Threading.Channels</c> takes it unchanged, but every wait
/// (<c>ReadAsync</c>, <c>WriteAsync</c>, <c>WaitToReadAsync</c>, <c>WaitToWriteAsync</c>, <c>ReadAllAsync</c>) is a
/// cancellation checkpoint of the waiting code, and every continuation resumes on the loop. Make one with
/// <see cref="LoopChannel.CreateBounded{T}(int)"/> or <see cref="LoopChannel.CreateUnbounded{T}()"/>.
/// </summary>
/// <remarks>
/// <para>
/// Why not <c>Channel.CreateBounded</c>: the BCL's readers resume on the thread pool (<c>ReadAllAsync</c> awaits with
/// <c>ConfigureAwait(false)</c>), so under a virtual clock consumers race the loop, starve one another, and give
/// different results from run to run. Here readers are served strictly in the order they started waiting: an item
/// written while readers wait goes straight to the one that has waited longest, so consumers share the work fairly
/// and the same program gives the same result on every run.
/// </para>
/// <para>
/// Writers that find the channel full wait FIFO too, and their items enter the buffer in that order as room frees.
/// Completing the channel (<see cref="ChannelWriter{T}.TryComplete"/>) lets readers drain what is buffered; blocked
/// writers then fail with <see cref="ChannelClosedException"/>. Loop thread only: from another thread, go through a
/// loop host.
/// </para>
/// </remarks>
/// <typeparam name="T">The item type.</typeparam>
[DebuggerDisplay("LoopChannel: {Count} of {Capacity} items")]
public sealed class LoopChannel<T> : Channel<T>, IWaitSource
{
    /// <summary>Stands for "completed without an error" in <see cref="_completion"/>'s absence of an exception.</summary>
    private static readonly Exception s_doneSentinel = new ChannelClosedException();

    private readonly EventLoop _loop;

    /// <summary>Buffered items. Non-empty only while no reader waits. Loop thread only.</summary>
    private readonly Queue<T> _items = new();

    /// <summary>ReadAsync calls waiting for an item (LoopWaiter&lt;T&gt;), FIFO. Only while the buffer is empty.</summary>
    private readonly WaitQueue _readers = new();

    /// <summary>WriteAsync calls waiting for room (WriteWaiter&lt;T&gt;), FIFO. Only while the buffer is full.</summary>
    private readonly WaitQueue _writers = new();

    /// <summary>WaitToReadAsync calls waiting for an item (LoopWaiter&lt;bool&gt;).</summary>
    private readonly WaitQueue _readWaits = new();

    /// <summary>WaitToWriteAsync calls waiting for room (LoopWaiter&lt;bool&gt;).</summary>
    private readonly WaitQueue _writeWaits = new();

    /// <summary>Ends when the channel is completed and drained.</summary>
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Null while writing is allowed; then the error it was completed with, or <see cref="s_doneSentinel"/>.</summary>
    private Exception? _doneWriting;

    internal LoopChannel(EventLoop loop, int capacity)
    {
        _loop = loop;
        Capacity = capacity;
        Reader = new LoopChannelReader<T>(this);
        Writer = new LoopChannelWriter<T>(this);
    }

    /// <summary>How many items the channel buffers (<see cref="int.MaxValue"/> for an unbounded channel).</summary>
    public int Capacity { get; }

    /// <summary>How many items are buffered now.</summary>
    public int Count => _items.Count;

    internal Task Completion => _completion.Task;

    /// <inheritdoc />
    string IWaitSource.DescribeWait(LoopWait wait) => wait.Queue == _writers || wait.Queue == _writeWaits
        ? string.Create(CultureInfo.InvariantCulture, $"waiting to write to a full LoopChannel ({_items.Count} of {Capacity} items)")
        : "waiting to read from an empty LoopChannel";

    // ---- reading ----

    internal bool TryRead(out T item)
    {
        ThrowIfNotOnLoop();
        if (!_items.TryDequeue(out item!)) return false;
        OnItemTaken();
        return true;
    }

    internal bool TryPeek(out T item)
    {
        ThrowIfNotOnLoop();
        return _items.TryPeek(out item!);
    }

    internal ValueTask<T> ReadAsync(CancellationToken cancellationToken)
    {
        ThrowIfNotOnLoop();
        var node = LoopSynchronizationContext.CurrentOrRoot(_loop);
        if (node.IsCancelled) return ValueTask.FromException<T>(node.CancellationException());
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<T>(cancellationToken);
        if (TryRead(out var item)) return new ValueTask<T>(item);
        if (_doneWriting is { } done) return ValueTask.FromException<T>(ClosedException(done));
        var waiter = new LoopWaiter<T>(_loop, node, this);
        _readers.Enqueue(waiter);
        waiter.Begin(cancellationToken);
        return waiter.Task;
    }

    internal ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        ThrowIfNotOnLoop();
        var node = LoopSynchronizationContext.CurrentOrRoot(_loop);
        if (node.IsCancelled) return ValueTask.FromException<bool>(node.CancellationException());
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<bool>(cancellationToken);
        if (_items.Count > 0) return new ValueTask<bool>(true);
        if (_doneWriting is { } done) return done == s_doneSentinel ? new ValueTask<bool>(false) : ValueTask.FromException<bool>(done);
        var waiter = new LoopWaiter<bool>(_loop, node, this);
        _readWaits.Enqueue(waiter);
        waiter.Begin(cancellationToken);
        return waiter.Task;
    }

    /// <summary>
    /// What ReadAllAsync does when the channel has closed under a waiting read: ends (completed cleanly), or rethrows
    /// the error the writer completed it with, as the BCL's ReadAllAsync does.
    /// </summary>
    internal bool EndsCleanly(ChannelClosedException closed) => _doneWriting == s_doneSentinel && closed.InnerException is null;

    /// <summary>The error the channel was completed with; null when none (or not completed).</summary>
    internal Exception? CompletionError => _doneWriting == s_doneSentinel ? null : _doneWriting;

    /// <summary>A checkpoint of the reading code (for ReadAllAsync, which may not wait at all).</summary>
    internal void Checkpoint() => LoopSynchronizationContext.CurrentOn(_loop)?.ThrowIfCancelled();

    /// <summary>An item left the buffer: the writer that has waited longest moves its item in; else room wakes WaitToWrite.</summary>
    private void OnItemTaken()
    {
        if (_writers.TryDequeue(out var wait))
        {
            var writer = (WriteWaiter<T>)wait;
            _items.Enqueue(writer.Item);
            writer.TrySetResult(true);
        }
        else
        {
            WakeAll(_writeWaits, true);
        }
        if (_doneWriting is not null && _items.Count == 0) _completion.TrySetResult();
    }

    // ---- writing ----

    internal bool TryWrite(T item)
    {
        ThrowIfNotOnLoop();
        if (_doneWriting is not null) return false;
        if (_readers.TryDequeue(out var wait))
        {
            // Straight to the reader that has waited longest: that is what keeps consumers fair.
            ((LoopWaiter<T>)wait).TrySetResult(item);
            return true;
        }
        if (_items.Count >= Capacity) return false;
        _items.Enqueue(item);
        WakeAll(_readWaits, true);
        return true;
    }

    internal ValueTask WriteAsync(T item, CancellationToken cancellationToken)
    {
        ThrowIfNotOnLoop();
        var node = LoopSynchronizationContext.CurrentOrRoot(_loop);
        if (node.IsCancelled) return ValueTask.FromException(node.CancellationException());
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled(cancellationToken);
        if (_doneWriting is { } done) return ValueTask.FromException(ClosedException(done));
        if (TryWrite(item)) return default;
        var waiter = new WriteWaiter<T>(_loop, node, this, item);
        _writers.Enqueue(waiter);
        waiter.Begin(cancellationToken);
        return waiter.VoidTask;
    }

    internal ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken)
    {
        ThrowIfNotOnLoop();
        var node = LoopSynchronizationContext.CurrentOrRoot(_loop);
        if (node.IsCancelled) return ValueTask.FromException<bool>(node.CancellationException());
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<bool>(cancellationToken);
        if (_doneWriting is { } done) return done == s_doneSentinel ? new ValueTask<bool>(false) : ValueTask.FromException<bool>(done);
        if (_items.Count < Capacity || _readers.Count > 0) return new ValueTask<bool>(true);
        var waiter = new LoopWaiter<bool>(_loop, node, this);
        _writeWaits.Enqueue(waiter);
        waiter.Begin(cancellationToken);
        return waiter.Task;
    }

    internal bool TryComplete(Exception? error)
    {
        ThrowIfNotOnLoop();
        if (_doneWriting is not null) return false;
        _doneWriting = error ?? s_doneSentinel;
        // Blocked writers' items are never written; readers still drain what is buffered.
        while (_writers.TryDequeue(out var writer)) ((WriteWaiter<T>)writer).TrySetException(ClosedException(_doneWriting));
        WakeAllWithOutcome(_writeWaits);
        if (_items.Count == 0)
        {
            while (_readers.TryDequeue(out var reader)) ((LoopWaiter<T>)reader).TrySetException(ClosedException(_doneWriting));
            WakeAllWithOutcome(_readWaits);
            if (error is null) _completion.TrySetResult();
            else _completion.TrySetException(error);
        }
        return true;
    }

    private void WakeAllWithOutcome(WaitQueue queue)
    {
        if (_doneWriting == s_doneSentinel)
        {
            WakeAll(queue, false);
            return;
        }
        while (queue.TryDequeue(out var wait)) ((LoopWaiter<bool>)wait).TrySetException(_doneWriting!);
    }

    private static void WakeAll(WaitQueue queue, bool result)
    {
        while (queue.TryDequeue(out var wait)) ((LoopWaiter<bool>)wait).TrySetResult(result);
    }

    private static Exception ClosedException(Exception done) => done switch
    {
        _ when done == s_doneSentinel => new ChannelClosedException(),
        OperationCanceledException => done,
        ChannelClosedException => done,
        _ => new ChannelClosedException(done),
    };

    private void ThrowIfNotOnLoop()
    {
        if (EventLoop.Current != _loop)
        {
            throw new InvalidOperationException(
                "This LoopChannel belongs to an event loop that is not running on this thread: its reads and writes must run " +
                "on that loop. From another thread, go through a loop host (ILoopHost.Submit), or use a System.Threading.Channels " +
                "channel for traffic between threads.");
        }
    }
}
