using System.Diagnostics;

namespace Nursery;

/// <summary>
/// A manual-reset event for loop code: <see cref="Set"/> and <see cref="Clear"/> from any thread, <see cref="WaitAsync"/>
/// on the loop. Get one from <see cref="ILoopHost.CreateEvent"/>.
/// </summary>
/// <remarks>
/// <para>
/// Waiters resume on the loop (their continuations go through the loop's synchronization context, never inline
/// inside <see cref="Set"/>), in the order they started waiting. Once set, the event stays set: later waits
/// complete at once until <see cref="Clear"/>.
/// </para>
/// <para>
/// On its own loop, inside a <see cref="TaskManager"/> child, <see cref="WaitAsync"/> is a cancellation checkpoint
/// like <see cref="EventLoop.Sleep(TimeSpan)"/>: it ends with <see cref="OperationCanceledException"/> when the
/// child is cancelled, even without a token, so a cancelled child never hangs on an event nobody sets.
/// </para>
/// </remarks>
[DebuggerDisplay("AsyncEvent: set = {IsSet}")]
public sealed class AsyncEvent
{
    /// <summary>The loop whose children's cancellation the waits observe.</summary>
    private readonly EventLoop _loop;

    /// <summary>Guards the waiter list and the transitions of <see cref="_isSet"/>.</summary>
    private readonly Lock _gate = new();

    /// <summary>Whether the event is set. Written under <see cref="_gate"/>, read anywhere.</summary>
    private volatile bool _isSet;

    /// <summary>Waiters in the order they started waiting. Under <see cref="_gate"/>.</summary>
    private AsyncEventWaiter? _first, _last;

    /// <summary>Creates an event, not set, bound to <paramref name="loop"/>: waits on that loop are checkpoints and resume on it.</summary>
    /// <param name="loop">The loop whose code waits on the event.</param>
    /// <exception cref="ArgumentNullException"><paramref name="loop"/> is null.</exception>
    public AsyncEvent(EventLoop loop)
    {
        ArgumentNullException.ThrowIfNull(loop);
        _loop = loop;
    }

    /// <summary>Creates an event, not set, bound to the loop running on the calling thread (<see cref="EventLoop.Current"/>).</summary>
    /// <exception cref="InvalidOperationException">No event loop is running on this thread.</exception>
    public AsyncEvent()
        : this(EventLoop.Current ?? throw new InvalidOperationException(
            "new AsyncEvent() binds the event to the event loop running on the calling thread, but there is none. Create it " +
            "from code running on a loop, pass the loop (new AsyncEvent(loop)), or use ILoopHost.CreateEvent()."))
    {
    }

    /// <summary>Whether the event is set.</summary>
    public bool IsSet => _isSet;

    /// <summary>Sets the event and releases every waiter. Any thread; setting a set event does nothing.</summary>
    public void Set()
    {
        AsyncEventWaiter? waiters;
        lock (_gate)
        {
            if (_isSet) return;
            _isSet = true;
            waiters = _first;
            _first = _last = null;
        }
        // Outside the lock: releasing unregisters cancellation callbacks, which must not run under it.
        while (waiters is { } waiter)
        {
            waiters = waiter.Next;
            waiter.Previous = waiter.Next = null;
            waiter.Release();
        }
    }

    /// <summary>Resets the event, so later waits wait again. Any thread.</summary>
    public void Clear()
    {
        lock (_gate) _isSet = false;
    }

    /// <summary>Waits until the event is set (at once when it is set already).</summary>
    /// <param name="cancellationToken">Ends the wait early with <see cref="OperationCanceledException"/>.</param>
    /// <returns>A task that completes when the event is set, or is cancelled.</returns>
    public Task WaitAsync(CancellationToken cancellationToken = default)
    {
        // On the event's own loop, inside a child, the wait is a checkpoint for that child (level-triggered).
        var node = EventLoop.Current == _loop ? LoopSynchronizationContext.CurrentOn(_loop) : null;
        if (node is { IsCancelled: true }) return TaskOutcomes.Canceled(node.CancellationException());
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled(cancellationToken);
        if (_isSet) return Task.CompletedTask;

        var waiter = new AsyncEventWaiter(this, node?.Child);
        var setMeanwhile = false;
        lock (_gate)
        {
            if (_isSet)
            {
                setMeanwhile = true;
            }
            else
            {
                waiter.Previous = _last;
                if (_last is null) _first = waiter;
                else _last.Next = waiter;
                _last = waiter;
            }
        }
        if (setMeanwhile)
        {
            waiter.Release(); // the wait is over before it began (nothing is registered yet)
            return Task.CompletedTask;
        }
        if (node is null or RootContext)
        {
            waiter.Register(cancellationToken, default);
            return waiter.Task;
        }
        // A checkpoint of the waiting code: its cancellation ends the wait, with an exception that names the cause.
        waiter.Register(cancellationToken, node.Token);
        return WaitAsCheckpointAsync(waiter.Task, node, cancellationToken);
    }

    /// <summary>Takes a cancelled waiter off the list (if <see cref="Set"/> has not taken it already).</summary>
    /// <summary>Waits for <paramref name="wait"/>; when the node's cancellation ended it, rethrows that with its cause.</summary>
    private static async Task WaitAsCheckpointAsync(Task wait, LoopSynchronizationContext node, CancellationToken callerToken)
    {
        try
        {
            await wait;
        }
        catch (OperationCanceledException) when (node.IsCancelled && !callerToken.IsCancellationRequested)
        {
            throw node.CancellationException();
        }
    }

    internal void Remove(AsyncEventWaiter waiter)
    {
        lock (_gate)
        {
            if (waiter.Previous is { } previous) previous.Next = waiter.Next;
            else if (_first == waiter) _first = waiter.Next;
            else return;
            if (waiter.Next is { } next) next.Previous = waiter.Previous;
            else _last = waiter.Previous;
            waiter.Previous = waiter.Next = null;
        }
    }
}
