using System.Runtime.ExceptionServices;
using System.Threading.Tasks.Sources;

namespace Nursery;

/// <summary>
/// A <see cref="LoopWait"/> that hands its outcome to an awaiting <see cref="ValueTask{TResult}"/>: the backing source of
/// every wait of the loop-native primitives (SpawnAsync, CapacityLimiter.AcquireAsync, the channel's reads and writes).
/// </summary>
/// <remarks>
/// <para>
/// The awaiting code always resumes through the loop's run queue, on a later turn, under its own context: never inline
/// inside the call that ended the wait (a Release, a Write, a cancel walk), and never on another thread, whatever the
/// await was configured with. That is what makes these primitives deterministic under a virtual clock, where the BCL's
/// equivalents resume on the thread pool.
/// </para>
/// <para>
/// A wait ends once: with a result, with the cancellation of the waiting code (it is a checkpoint: see
/// <see cref="LoopWait"/>), or with the caller's token. One waiter per wait, used once (the token is always 0).
/// Loop thread only, except the caller's token, which may fire anywhere and is handed to the loop.
/// </para>
/// </remarks>
/// <typeparam name="T">The wait's result.</typeparam>
internal class LoopWaiter<T> : LoopWait, IValueTaskSource<T>, IValueTaskSource
{
    /// <summary>Runs the awaiting code's continuation from the run queue.</summary>
    private static readonly SendOrPostCallback s_resume = static state => ((LoopWaiter<T>)state!).Resume();

    /// <summary>Runs the continuation inside the ExecutionContext captured with it.</summary>
    private static readonly ContextCallback s_resumeInContext = static state => ((LoopWaiter<T>)state!).InvokeContinuation();

    /// <summary>Applies a token firing that happened on another thread, on the loop thread.</summary>
    private static readonly SendOrPostCallback s_tokenOnLoop = static state => ((LoopWaiter<T>)state!).OnTokenFired();

    /// <summary>The caller's token fired, on whichever thread cancelled it.</summary>
    private static readonly Action<object?> s_tokenFired = static state =>
    {
        var waiter = (LoopWaiter<T>)state!;
        if (EventLoop.Current == waiter.Loop) waiter.OnTokenFired();
        else waiter.Loop.Post(new WorkItem(s_tokenOnLoop, waiter, waiter.Loop.RootContext));
    };

    /// <summary>Registers a continuation that arrived from another thread, on the loop thread.</summary>
    private static readonly SendOrPostCallback s_registerOnLoop = static state =>
    {
        var (waiter, continuation, continuationState, flags) = ((LoopWaiter<T>, Action<object?>, object?, ValueTaskSourceOnCompletedFlags))state!;
        waiter.OnCompleted(continuation, continuationState, 0, flags);
    };

    private T _result = default!;
    private Exception? _failure;
    private bool _completed;
    private Action<object?>? _continuation;
    private object? _continuationState;
    private LoopSynchronizationContext? _resumeIn;
    private ExecutionContext? _executionContext;
    private CancellationToken _token;
    private CancellationTokenRegistration _registration;

    public LoopWaiter(EventLoop loop, LoopSynchronizationContext node, IWaitSource source)
        : base(loop, node, source)
    {
    }

    /// <summary>Whether the wait has ended.</summary>
    public bool IsWaitOver => _completed;

    /// <summary>The wait as a value task (await it once).</summary>
    public ValueTask<T> Task => new(this, 0);

    /// <summary>The wait as a value task without a result.</summary>
    public ValueTask VoidTask => new(this, 0);

    /// <summary>Starts the wait: tracked at the waiting code's node, and ended by <paramref name="cancellationToken"/> if it fires.</summary>
    public void Begin(CancellationToken cancellationToken)
    {
        Track();
        if (!cancellationToken.CanBeCanceled) return;
        _token = cancellationToken;
        _registration = cancellationToken.UnsafeRegister(s_tokenFired, this);
    }

    /// <summary>Ends the wait with <paramref name="value"/>; false when it had ended already.</summary>
    public bool TrySetResult(T value)
    {
        if (_completed) return false;
        _result = value;
        Finish();
        return true;
    }

    /// <summary>Ends the wait with <paramref name="failure"/>; false when it had ended already.</summary>
    public bool TrySetException(Exception failure)
    {
        if (_completed) return false;
        _failure = failure;
        Finish();
        return true;
    }

    /// <inheritdoc />
    protected sealed override void OnInterrupted()
    {
        var failure = Node.IsCancelled
            ? Node.CancellationException()
            : new TaskCanceledException("The wait was cancelled because the code that started it has ended.", null, Node.CancelledToken);
        if (TrySetException(failure)) OnWaitCancelled();
    }

    /// <summary>
    /// The wait ended by cancellation (of the waiting code, or the caller's token) before the primitive ended it: undo
    /// what the wait stood for (a SpawnAsync's child that never got a slot, a write whose item was never taken).
    /// </summary>
    protected virtual void OnWaitCancelled()
    {
    }

    private void OnTokenFired()
    {
        if (_completed) return;
        Queue?.Remove(this);
        if (TrySetException(new OperationCanceledException("The wait was cancelled by the CancellationToken passed to it.", _token))) OnWaitCancelled();
    }

    private void Finish()
    {
        _completed = true;
        Node.Untrack(this);
        Queue?.Remove(this);
        _registration.Unregister();
        // Never inline: the call that ended the wait (a Release, a Write, a cancel walk) must not run the waiter's code in its middle.
        if (_continuation is not null) Loop.Enqueue(new WorkItem(s_resume, this, _resumeIn!));
    }

    /// <inheritdoc />
    public ValueTaskSourceStatus GetStatus(short token) => !_completed
        ? ValueTaskSourceStatus.Pending
        : _failure switch
        {
            null => ValueTaskSourceStatus.Succeeded,
            OperationCanceledException => ValueTaskSourceStatus.Canceled,
            _ => ValueTaskSourceStatus.Faulted,
        };

    /// <inheritdoc />
    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        if (EventLoop.Current != Loop)
        {
            Loop.Post(new WorkItem(s_registerOnLoop, (this, continuation, state, flags), Loop.RootContext));
            return;
        }
        if (_continuation is not null)
            throw new InvalidOperationException("This wait is already being awaited; a ValueTask may be awaited only once.");
        _continuation = continuation;
        _continuationState = state;
        if ((flags & ValueTaskSourceOnCompletedFlags.FlowExecutionContext) != 0) _executionContext = ExecutionContext.Capture();
        // Resume where the awaiting code runs; with ConfigureAwait(false) still on the loop (in the waiting code's context).
        var current = (flags & ValueTaskSourceOnCompletedFlags.UseSchedulingContext) != 0 ? LoopSynchronizationContext.CurrentOn(Loop) : null;
        _resumeIn = current ?? Node;
        if (_completed) Loop.Enqueue(new WorkItem(s_resume, this, _resumeIn));
    }

    /// <inheritdoc />
    public T GetResult(short token)
    {
        if (!_completed)
        {
            throw new InvalidOperationException(
                "This wait has not ended: blocking on it with GetAwaiter().GetResult() would block the loop thread that has " +
                "to end it (a deadlock). Await it instead.");
        }
        if (_failure is not null) ExceptionDispatchInfo.Throw(_failure);
        return _result;
    }

    /// <inheritdoc />
    void IValueTaskSource.GetResult(short token) => GetResult(token);

    private void Resume()
    {
        if (_executionContext is { } context)
        {
            _executionContext = null;
            ExecutionContext.Run(context, s_resumeInContext, this);
        }
        else
        {
            InvokeContinuation();
        }
    }

    private void InvokeContinuation()
    {
        var continuation = _continuation!;
        var state = _continuationState;
        _continuationState = null;
        continuation(state);
    }
}
