namespace Nursery;

/// <summary>
/// A <see cref="ITimer"/> from the loop's <see cref="LoopTimeProvider"/>: an entry in the loop's timer heap
/// whose callback runs on the loop thread.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Change"/> and <see cref="Dispose"/> may be called from any thread (a
/// <see cref="CancellationTokenSource"/> disposes its timer wherever it is disposed). The wanted schedule is
/// recorded under <see cref="_gate"/>; the heap itself is touched only on the loop thread, directly when the
/// caller is on it, otherwise by a work item posted to the loop's inbox.
/// </para>
/// <para>
/// The recorded schedule is the truth and the heap entry only a reminder: a change from another thread can be
/// recorded while the entry for the old deadline is still in the heap (its work item not run yet), and the clock can
/// reach that old deadline first. A stale entry that fires is re-armed on the recorded schedule instead of firing.
/// </para>
/// </remarks>
internal sealed class LoopTimer : ITimer, ITimerTarget
{
    /// <summary>Runs the user's callback on its turn of the run queue.</summary>
    private static readonly SendOrPostCallback s_fire = static state => ((LoopTimer)state!).Fire();

    /// <summary>Applies the latest recorded schedule on the loop thread.</summary>
    private static readonly SendOrPostCallback s_apply = static state => ((LoopTimer)state!).Apply();

    /// <summary>The loop whose heap holds this timer.</summary>
    private readonly EventLoop _loop;

    /// <summary>The user's callback and its argument.</summary>
    private readonly TimerCallback _callback;
    private readonly object? _state;

    /// <summary>ExecutionContext captured at creation, like System.Threading timers (null when flow was suppressed).</summary>
    private readonly ExecutionContext? _executionContext;

    /// <summary>Guards <see cref="_deadline"/>, <see cref="_period"/> and <see cref="_disposed"/>.</summary>
    private readonly Lock _gate = new();

    /// <summary>When the timer should fire next; null when it is stopped.</summary>
    private TimeSpan? _deadline;

    /// <summary>Time between firings; <see cref="Timeout.InfiniteTimeSpan"/> or zero for a one-shot timer.</summary>
    private TimeSpan _period;

    /// <summary>Once disposed, the timer never fires again.</summary>
    private bool _disposed;

    /// <summary>The deadline of this timer's entry in the loop's heap; null when it has none. Loop thread only.</summary>
    private TimeSpan? _armed;

    public LoopTimer(EventLoop loop, TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        _loop = loop;
        _callback = callback;
        _state = state;
        _executionContext = ExecutionContext.Capture();
        Change(dueTime, period);
    }

    /// <inheritdoc />
    public int TimerIndex { get; set; } = -1;

    /// <summary>Rejects what <see cref="System.Threading.Timer"/> rejects: negative spans other than infinite.</summary>
    public static void Validate(TimeSpan value, string name)
    {
        if (value < TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(name, value, "The time must be zero or positive, or Timeout.InfiniteTimeSpan.");
    }

    /// <inheritdoc />
    public bool Change(TimeSpan dueTime, TimeSpan period)
    {
        Validate(dueTime, nameof(dueTime));
        Validate(period, nameof(period));
        lock (_gate)
        {
            if (_disposed) return false;
            _deadline = dueTime == Timeout.InfiniteTimeSpan ? null : _loop.DeadlineAfter(dueTime);
            _period = period;
        }
        ApplyOnLoop();
        return true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _deadline = null;
        }
        ApplyOnLoop();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Dispose();
        return default;
    }

    void ITimerTarget.OnTimer()
    {
        var fired = _armed;
        _armed = null; // the heap has just let go of the entry
        lock (_gate)
        {
            if (_disposed) return;
            if (_deadline != fired)
            {
                // Changed from another thread after this entry was armed, and the change has not been applied yet:
                // the entry is stale. Arm the recorded schedule now; the posted apply will find nothing left to do.
                fired = null;
            }
            else if (fired is { } due)
            {
                // Periodic timers advance from the deadline they were due at, not from "now", so they do not drift.
                _deadline = _period > TimeSpan.Zero && _period != Timeout.InfiniteTimeSpan ? _loop.Clock.DeadlineAfter(due, _period) : null;
            }
        }
        Apply();
        if (fired is null) return;
        // The callback is user code: it runs in the run phase under the loop's root context (so async work it
        // starts stays on the loop), not inside the timer phase, which runs without a context.
        _loop.Enqueue(new WorkItem(s_fire, this, _loop.RootContext));
    }

    private void Fire()
    {
        lock (_gate)
        {
            if (_disposed) return; // disposed between becoming due and its turn
        }
        if (_executionContext is null) _callback(_state);
        else ExecutionContext.Run(_executionContext, static s => { var t = (LoopTimer)s!; t._callback(t._state); }, this);
    }

    private void ApplyOnLoop()
    {
        if (EventLoop.Current == _loop) Apply();
        else _loop.PostTimerChange(new WorkItem(s_apply, this, _loop.RootContext));
    }

    /// <summary>Brings the heap in line with the recorded schedule. Loop thread only.</summary>
    private void Apply()
    {
        TimeSpan? deadline;
        lock (_gate) deadline = _deadline;
        _loop.Timers.Remove(this);
        _armed = deadline;
        if (deadline is { } d) _loop.Timers.Add(this, d);
    }
}
