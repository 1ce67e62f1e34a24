namespace Nursery;

/// <summary>
/// One pending <see cref="EventLoop.Sleep(TimeSpan, CancellationToken)"/>: the task the caller awaits, its slot in
/// the timer heap, its link in the owning child's list of pending checkpoints, and its token registration.
/// </summary>
/// <remarks>
/// Completion always happens at a safe point of the loop: in the timer phase when the deadline passes, or in a
/// work item queued by <see cref="Cancel"/>. Cancellation is requested from inside user calls
/// (<c>cts.Cancel()</c>, <c>ChildTask.Cancel()</c>), and completing the task right there would run the
/// awaiting code's continuation in the middle of that call.
/// </remarks>
internal sealed class SleepOperation : TaskCompletionSource, ITimerTarget
{
    /// <summary>Completes a cancelled sleep on its own turn of the loop.</summary>
    private static readonly SendOrPostCallback s_completeCancelled = static state =>
    {
        var op = (SleepOperation)state!;
        op.TrySetCanceled(op._cancelledBy);
    };

    /// <summary>Applies a cancellation that arrived from another thread, on the loop thread.</summary>
    private static readonly SendOrPostCallback s_cancelOnLoop = static state =>
    {
        var op = (SleepOperation)state!;
        op.Cancel(op._token);
    };

    /// <summary>Runs on whichever thread cancels the caller's token.</summary>
    private static readonly Action<object?> s_onTokenCancelled = static state =>
    {
        var op = (SleepOperation)state!;
        if (EventLoop.Current == op._loop) op.Cancel(op._token);
        else op._loop.Post(new WorkItem(s_cancelOnLoop, op, op._loop.RootContext));
    };

    /// <summary>The loop whose heap holds this sleep.</summary>
    private readonly EventLoop _loop;

    /// <summary>The caller's token (may be <see cref="CancellationToken.None"/>).</summary>
    private readonly CancellationToken _token;

    /// <summary>Registration on <see cref="_token"/>, removed once the sleep ends. Loop thread only.</summary>
    private CancellationTokenRegistration _registration;

    /// <summary>The token reported by the cancelled task. Set once, by <see cref="Cancel"/>.</summary>
    private CancellationToken _cancelledBy;

    /// <summary>Set when <see cref="Cancel"/> has run, so the sleep is cancelled only once.</summary>
    private bool _cancelling;

    /// <summary>Position in the loop's timer heap (-1 when not in it). Loop thread only.</summary>
    public int TimerIndex { get; set; } = -1;

    /// <summary>The child whose checkpoint this is; null for code that belongs to no child.</summary>
    public ChildTask? Owner { get; }

    /// <summary>Neighbours in <see cref="Owner"/>'s list of pending checkpoints. Loop thread only.</summary>
    public SleepOperation? Previous, Next;

    public SleepOperation(EventLoop loop, ChildTask? owner, CancellationToken token)
    {
        _loop = loop;
        Owner = owner;
        _token = token;
    }

    /// <summary>Arms the sleep: into the heap, onto the owner's list, onto the token.</summary>
    public void Start(TimeSpan deadline)
    {
        _loop.Timers.Add(this, deadline);
        Owner?.TrackCheckpoint(this);
        _loop.Trace?.SleepStarted(this, deadline);
        if (_token.CanBeCanceled) _registration = _token.UnsafeRegister(s_onTokenCancelled, this);
    }

    /// <summary>The deadline passed (timer phase of the loop).</summary>
    void ITimerTarget.OnTimer()
    {
        Detach();
        _loop.Trace?.SleepEnded(this, cancelled: false);
        TrySetResult();
    }

    /// <summary>
    /// Cancels the sleep from the loop thread: out of the heap at once (so a virtual clock does not jump to a
    /// timer nobody waits for), completed as cancelled on a later turn.
    /// </summary>
    public void Cancel(CancellationToken cancelledBy)
    {
        if (_cancelling || Task.IsCompleted) return;
        _cancelling = true;
        _cancelledBy = cancelledBy;
        Detach();
        _loop.Trace?.SleepEnded(this, cancelled: true);
        _loop.Enqueue(new WorkItem(s_completeCancelled, this, _loop.RootContext));
    }

    private void Detach()
    {
        _loop.Timers.Remove(this);
        Owner?.UntrackCheckpoint(this);
        _registration.Unregister();
    }
}
