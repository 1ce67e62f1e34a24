namespace Nursery;

/// <summary>
/// One pending <see cref="AsyncEvent.WaitAsync"/>: the task the waiter awaits, its place in the event's list, and
/// its registrations on the caller's token and on the owning child's token.
/// </summary>
/// <remarks>
/// The task's continuations run asynchronously, so completing it from <see cref="AsyncEvent.Set"/> or from a
/// token callback on any thread never runs the waiter's code inline there; the waiter's synchronization context
/// brings it back to its loop. The registrations are removed by whichever happens last of registering and
/// completing (an interlocked handshake), so a completion racing with <see cref="Register"/> never leaks one.
/// </remarks>
internal sealed class AsyncEventWaiter : TaskCompletionSource
{
    /// <summary>Runs on whichever thread cancels one of the tokens.</summary>
    private static readonly Action<object?, CancellationToken> s_cancel = static (state, token) => ((AsyncEventWaiter)state!).Cancel(token);

    /// <summary>The event this waiter waits on.</summary>
    private readonly AsyncEvent _event;

    /// <summary>Registration on the caller's token.</summary>
    private CancellationTokenRegistration _callerRegistration;

    /// <summary>Registration on the owning child's token.</summary>
    private CancellationTokenRegistration _ownerRegistration;

    /// <summary>Incremented once when registering is done and once when the task has completed; the second one unregisters.</summary>
    private int _handshake;

    /// <summary>Neighbours in the event's list. Under the event's lock.</summary>
    internal AsyncEventWaiter? Previous, Next;

    /// <summary>The child whose code waits, for DumpTree; null outside children.</summary>
    private readonly ChildTask? _owner;

    public AsyncEventWaiter(AsyncEvent ev, ChildTask? owner)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        _event = ev;
        _owner = owner;
        owner?.BeginEventWait();
    }

    /// <summary>Registers on both tokens (the owner's may be none, or the same as the caller's).</summary>
    public void Register(CancellationToken caller, CancellationToken owner)
    {
        if (caller.CanBeCanceled) _callerRegistration = caller.UnsafeRegister(s_cancel, this);
        if (owner.CanBeCanceled && owner != caller) _ownerRegistration = owner.UnsafeRegister(s_cancel, this);
        Arrive();
    }

    /// <summary>The event was set.</summary>
    public void Release()
    {
        if (!TrySetResult()) return;
        _owner?.EndEventWait();
        Arrive();
    }

    private void Cancel(CancellationToken token)
    {
        _event.Remove(this);
        if (!TrySetCanceled(token)) return;
        _owner?.EndEventWait();
        Arrive();
    }

    private void Arrive()
    {
        if (Interlocked.Increment(ref _handshake) != 2) return;
        _callerRegistration.Unregister();
        _ownerRegistration.Unregister();
    }
}
