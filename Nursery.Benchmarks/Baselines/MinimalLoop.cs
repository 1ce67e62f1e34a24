using System.Diagnostics;

namespace Nursery.Benchmarks.Baselines;

/// <summary>
/// The floor Nursery's loop is measured against: the least a single-threaded async loop must do. A
/// <see cref="SynchronizationContext"/> whose posts go to a FIFO queue, and virtual-time sleeps in a
/// <see cref="PriorityQueue{TElement, TPriority}"/> keyed by (deadline, sequence).
/// </summary>
/// <remarks>
/// Deliberately missing everything Nursery adds: no children, no cancellation, no per-child context, no
/// ExecutionContext flow, no timer removal, no TimeProvider. Posts from other threads go through a lock, so it is
/// still a correct loop, but the benchmarks only use it from its own thread. Single use, like AsyncContext.Run.
/// </remarks>
public sealed class MinimalLoop : SynchronizationContext
{
    /// <summary>Ready callbacks in FIFO order. Loop thread only.</summary>
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _ready = new();

    /// <summary>Callbacks posted from other threads. Guarded by <see cref="_gate"/>.</summary>
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _inbox = new();

    /// <summary>Guards <see cref="_inbox"/>; the idle loop waits on it.</summary>
    private readonly object _gate = new();

    /// <summary>Pending sleeps by (virtual deadline in ms, sequence), so equal deadlines keep their order. Loop thread only.</summary>
    private readonly PriorityQueue<TaskCompletionSource, (long Deadline, long Sequence)> _timers =
        new(Comparer<(long Deadline, long Sequence)>.Default);

    /// <summary>Virtual time in milliseconds; jumps to the next deadline when nothing is ready. Loop thread only.</summary>
    private long _now;

    /// <summary>Tie-breaker for equal deadlines. Loop thread only.</summary>
    private long _sequence;

    /// <summary>The managed id of the thread inside <see cref="Run{T}"/>; 0 before.</summary>
    private int _threadId;

    /// <summary>Number of items in <see cref="_inbox"/>, read without the lock as a hint.</summary>
    private volatile int _inboxCount;

    /// <summary>Drives the loop on the calling thread until <paramref name="main"/>'s task completes.</summary>
    public T Run<T>(Func<Task<T>> main)
    {
        var previous = Current;
        _threadId = Environment.CurrentManagedThreadId;
        SetSynchronizationContext(this);
        try
        {
            var task = main();
            task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(() => Post(static _ => { }, null));
            while (!task.IsCompleted)
            {
                if (_inboxCount > 0) DrainInbox();
                if (_ready.TryDequeue(out var item)) item.Callback(item.State);
                else if (_timers.TryDequeue(out var timer, out var key))
                {
                    _now = key.Deadline; // virtual time: nothing else can happen before the next deadline
                    timer.SetResult();
                }
                else
                {
                    lock (_gate)
                    {
                        while (_inbox.Count == 0) Monitor.Wait(_gate);
                    }
                }
            }
            return task.GetAwaiter().GetResult();
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }

    /// <summary>Completes after <paramref name="milliseconds"/> of virtual time. Loop thread only.</summary>
    public Task Sleep(long milliseconds)
    {
        Debug.Assert(Environment.CurrentManagedThreadId == _threadId, "Timers belong to the loop thread.");
        var sleep = new TaskCompletionSource();
        _timers.Enqueue(sleep, (_now + milliseconds, _sequence++));
        return sleep.Task;
    }

    /// <inheritdoc />
    public override void Post(SendOrPostCallback d, object? state)
    {
        if (Environment.CurrentManagedThreadId == _threadId)
        {
            _ready.Enqueue((d, state));
            return;
        }
        lock (_gate)
        {
            _inbox.Enqueue((d, state));
            _inboxCount = _inbox.Count;
            Monitor.Pulse(_gate);
        }
    }

    /// <inheritdoc />
    public override SynchronizationContext CreateCopy() => this;

    private void DrainInbox()
    {
        lock (_gate)
        {
            while (_inbox.TryDequeue(out var item)) _ready.Enqueue(item);
            _inboxCount = 0;
        }
    }
}
