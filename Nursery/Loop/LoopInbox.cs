using System.Diagnostics;

namespace Nursery;

/// <summary>
/// The loop's door to other threads: work posted from thread-pool continuations, timers, hosts and
/// <see cref="VirtualClock.Advance"/> wake-ups all arrive here, and the idle loop thread blocks here
/// (no spinning, so an idle loop uses no CPU).
/// </summary>
/// <remarks>
/// Everything in this file is one synchronization domain guarded by <see cref="_gate"/>. Posters take the
/// lock briefly; the loop takes it once per turn to swap the whole batch out, so a busy loop does not
/// contend with producers item by item.
/// </remarks>
internal sealed class LoopInbox
{
    /// <summary>Batches up to this size are copied when drained; larger ones move as segments.</summary>
    private const int SmallBatch = 64;

    /// <summary>Guards every field below.</summary>
    private readonly object _gate = new(); // Monitor, not System.Threading.Lock: the idle loop needs Wait/Pulse.

    /// <summary>Work posted from other threads, in arrival order.</summary>
    private readonly WorkQueue _pending = new();

    /// <summary>Timer changes made while the loop was not running, applied when the next run starts.</summary>
    private readonly WorkQueue _parkedTimerChanges = new();

    /// <summary>True while the loop thread is blocked (or about to block) in <see cref="Wait"/>.</summary>
    private bool _waiting;

    /// <summary>A wake-up without work (clock advanced, main task completed) arrived since the last wait.</summary>
    private bool _woken;

    /// <summary>
    /// Whether the loop is running and takes work. Between runs the inbox refuses work: what arrives then belongs to a
    /// run that has ended (a thread-pool continuation of abandoned code), and a later run must not run it.
    /// </summary>
    private bool _accepting;

    /// <summary>Whether anything is waiting to be drained (by the time the caller acts on it, more may have arrived).</summary>
    public bool IsEmpty
    {
        get
        {
            lock (_gate) return _pending.Count == 0;
        }
    }

    /// <summary>Queues <paramref name="item"/> and wakes the loop if it is idle; drops it when the loop is not running. Any thread.</summary>
    public void Post(in WorkItem item)
    {
        lock (_gate)
        {
            if (!_accepting) return;
            _pending.Enqueue(item);
            if (_waiting) Monitor.Pulse(_gate);
        }
    }

    /// <summary>
    /// Queues a timer's schedule change. Unlike other work it is kept while the loop is not running, and applied when
    /// the next run starts: a timer made before <c>Run</c> (a <c>CancellationTokenSource</c> on the loop's
    /// TimeProvider, say) is state, not abandoned work. Any thread.
    /// </summary>
    public void PostTimerChange(in WorkItem item)
    {
        lock (_gate)
        {
            if (_accepting)
            {
                _pending.Enqueue(item);
                if (_waiting) Monitor.Pulse(_gate);
            }
            else
            {
                _parkedTimerChanges.Enqueue(item);
            }
        }
    }

    /// <summary>Wakes the loop without giving it work, so it re-checks its clock and its main task. Any thread.</summary>
    public void Wake()
    {
        lock (_gate)
        {
            _woken = true;
            if (_waiting) Monitor.Pulse(_gate);
        }
    }

    /// <summary>Moves every posted item, in order, to the end of <paramref name="ready"/>. Loop thread only.</summary>
    public void DrainTo(WorkQueue ready)
    {
        lock (_gate)
        {
            if (_pending.Count == 0) return;
            // A big batch moves as whole segments (O(1)); a few items are copied, so that a steady trickle of
            // posts keeps reusing the inbox's own segment instead of giving a fresh one away every turn.
            if (_pending.Count > SmallBatch) _pending.MoveAllTo(ready);
            else while (_pending.TryDequeue(out var item)) ready.Enqueue(item);
        }
    }

    /// <summary>
    /// Blocks the loop thread until work is posted, <see cref="Wake"/> is called, or <paramref name="timeout"/>
    /// passes (<see langword="null"/> waits indefinitely). Returns at once if either already happened.
    /// </summary>
    /// <returns><see langword="false"/> when the timeout passed with nothing posted and no wake-up.</returns>
    public bool Wait(TimeSpan? timeout)
    {
        lock (_gate)
        {
            Debug.Assert(!_waiting, "Only the loop thread waits, and never twice at once.");
            if (_pending.Count == 0 && !_woken)
            {
                _waiting = true;
                try
                {
                    if (timeout is { } t) Monitor.Wait(_gate, RoundUpToMilliseconds(t));
                    else Monitor.Wait(_gate);
                }
                finally
                {
                    _waiting = false;
                }
            }
            // Whatever woke the thread (or the timeout), what counts is whether anything arrived.
            var arrived = _pending.Count > 0 || _woken;
            _woken = false;
            return arrived;
        }
    }

    /// <summary>A run starts: take work from other threads, starting with the timer changes made while it was stopped.</summary>
    public void Open()
    {
        lock (_gate)
        {
            _accepting = true;
            _parkedTimerChanges.MoveAllTo(_pending);
        }
    }

    /// <summary>The run ended: drop everything that was posted, and refuse work until the next run.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _accepting = false;
            _pending.Clear();
            _woken = false;
        }
    }

    // Waking a millisecond late is harmless; waking early would make the loop spin until the deadline.
    private static TimeSpan RoundUpToMilliseconds(TimeSpan t)
    {
        if (t <= TimeSpan.Zero) return TimeSpan.Zero;
        var ms = Math.Ceiling(t.TotalMilliseconds);
        return ms >= int.MaxValue ? TimeSpan.FromMilliseconds(int.MaxValue - 1) : TimeSpan.FromMilliseconds(ms);
    }
}
