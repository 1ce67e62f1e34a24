namespace Nursery;

/// <summary>
/// One pending <see cref="EventLoop.Sleep(TimeSpan, CancellationToken)"/>: the task the caller awaits, its slot in
/// the timer heap, and its link in the owning child's list of pending checkpoints. A sleep with a cancellation
/// token is a <see cref="TokenSleepOperation"/>, so sleeps without one do not carry token fields.
/// </summary>
/// <remarks>
/// Completion always happens at a safe point of the loop: in the timer phase when the deadline passes, or in a
/// work item queued by <see cref="Cancel"/>. Cancellation is requested from inside user calls
/// (<c>cts.Cancel()</c>, <c>ChildTask.Cancel()</c>), and completing the task right there would run the
/// awaiting code's continuation in the middle of that call.
/// </remarks>
internal class SleepOperation : TaskCompletionSource, ITimerTarget
{
    /// <summary>
    /// Completes a cancelled sleep on its own turn of the loop. It runs under the sleeping code's context, so the
    /// awaiting continuation runs inline right there: one trip through the queue, not two.
    /// </summary>
    private static readonly SendOrPostCallback s_completeCancelled = static state =>
    {
        var op = (SleepOperation)state!;
        op.TrySetCanceled(op.CancelledBy);
    };

    /// <summary>The loop whose heap holds this sleep.</summary>
    protected readonly EventLoop Loop;

    /// <summary>Set once <see cref="Cancel"/> has run, so the sleep is cancelled only once. Loop thread only.</summary>
    private bool _cancelling;

    /// <summary>Whether the caller's token (rather than the owning child) cancelled it.</summary>
    private bool _cancelledByToken;

    public SleepOperation(EventLoop loop, ChildTask? owner)
    {
        Loop = loop;
        Owner = owner;
    }

    /// <summary>Position in the loop's timer heap (-1 when not in it). Loop thread only.</summary>
    public int TimerIndex { get; set; } = -1;

    /// <summary>The child whose checkpoint this is; null for code that belongs to no child.</summary>
    public ChildTask? Owner { get; }

    /// <summary>Neighbours in <see cref="Owner"/>'s list of pending checkpoints. Loop thread only.</summary>
    public SleepOperation? Previous, Next;

    /// <summary>The token the cancelled task reports.</summary>
    private CancellationToken CancelledBy => _cancelledByToken ? CallerToken : Owner?.CancelledToken ?? default;

    /// <summary>The caller's token, for a <see cref="TokenSleepOperation"/>.</summary>
    protected virtual CancellationToken CallerToken => default;

    /// <summary>Arms the sleep: into the heap, onto the owner's list.</summary>
    public virtual void Start(TimeSpan deadline)
    {
        Loop.Timers.Add(this, deadline);
        Owner?.TrackCheckpoint(this);
        Loop.Trace?.SleepStarted(this, deadline);
    }

    /// <summary>The deadline passed (timer phase of the loop).</summary>
    void ITimerTarget.OnTimer()
    {
        Detach();
        Loop.Trace?.SleepEnded(this, cancelled: false);
        TrySetResult();
    }

    /// <summary>
    /// Cancels the sleep from the loop thread: out of the heap at once (so a virtual clock does not jump to a
    /// timer nobody waits for), completed as cancelled on a later turn.
    /// </summary>
    /// <param name="byToken">The caller's token fired (rather than the owning child being cancelled or ending).</param>
    public void Cancel(bool byToken)
    {
        if (_cancelling || Task.IsCompleted) return;
        _cancelling = true;
        _cancelledByToken = byToken;
        Detach();
        Loop.Trace?.SleepEnded(this, cancelled: true);
        Loop.Enqueue(new WorkItem(s_completeCancelled, this, Owner?.Context ?? Loop.RootContext));
    }

    /// <summary>Takes the sleep out of the heap and off its owner's list.</summary>
    protected virtual void Detach()
    {
        Loop.Timers.Remove(this);
        Owner?.UntrackCheckpoint(this);
    }
}
