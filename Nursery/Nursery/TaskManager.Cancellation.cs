namespace Nursery;

// The manager as a node of the cancellation tree: its own scope (Cancel, a deadline, a shield), cancellations that
// reach it from the code it was created in, and a token from outside the loop.
public sealed partial class TaskManager : ICancelNode
{
    /// <summary>Applies a Cancel() that came from another thread, on the loop thread.</summary>
    private static readonly SendOrPostCallback s_cancelOnLoop = static state =>
    {
        var request = (CancelRequest)state!;
        request.Manager.CancelOwn(request.Reason, request.Call);
    };

    /// <summary>Applies a firing of the outside token that happened on another thread, on the loop thread.</summary>
    private static readonly SendOrPostCallback s_outsideOnLoop = static state => ((TaskManager)state!).ApplyOutsideCancellation();

    /// <summary>Runs on whichever thread cancels the outside token.</summary>
    private static readonly Action<object?> s_outsideTokenFired = static state =>
    {
        var manager = (TaskManager)state!;
        if (EventLoop.Current == manager._loop) manager.ApplyOutsideCancellation();
        else manager._loop.Post(new WorkItem(s_outsideOnLoop, manager, manager._loop.RootContext));
    };

    /// <summary>1 once cancellation has reached the manager (its own, or from the code around it). Interlocked: <see cref="Token"/> may be made off the loop.</summary>
    private int _cancelRequested;

    /// <summary>Why the manager was cancelled (the first cause that reached it). Loop thread only.</summary>
    private CancelCause? _cancelCause;

    /// <summary>The manager's own cancellation: Cancel, its scope's Cancel or deadline, or its outside token. Loop thread only.</summary>
    private CancelCause? _ownCause;

    /// <summary>Backs <see cref="Token"/>; created on first use.</summary>
    private CancellationTokenSource? _tokenSource;

    /// <summary>Backs <see cref="CancelScope"/>; made on first use.</summary>
    private CancelScope? _scope;

    /// <summary>The token given at construction (default when none), and its registration until the join.</summary>
    private CancellationToken _outsideToken;
    private CancellationTokenRegistration _outsideRegistration;

    /// <summary>Set when the join returned normally after the manager's own cancellation.</summary>
    private bool _cancelledCaught;

    /// <summary>
    /// Cancellation cut work short here: it reached the manager while children (or the body) were live, or a child or
    /// the body ended cancelled. With a cancellation from the code around the manager, the join tells that code (see
    /// <see cref="LoopSynchronizationContext.NoteCutShort"/>). Loop thread only.
    /// </summary>
    private bool _cutShort;

    /// <summary>A token that fires when this manager is cancelled (by <see cref="Cancel"/>, a failing child, or an enclosing scope). Any thread.</summary>
    public CancellationToken Token
    {
        get
        {
            var source = Volatile.Read(ref _tokenSource);
            if (source is null)
            {
                var created = new CancellationTokenSource();
                source = Interlocked.CompareExchange(ref _tokenSource, created, null) ?? created;
                // A cancellation that raced with the creation must still reach the new source.
                if (Volatile.Read(ref _cancelRequested) == 1 && !source.IsCancellationRequested) source.Cancel();
            }
            return source.Token;
        }
    }

    /// <summary>Whether this manager has been cancelled (by itself or by the code around it). Any thread.</summary>
    public bool IsCancellationRequested => Volatile.Read(ref _cancelRequested) == 1;

    /// <summary>
    /// The manager's own scope: <see cref="Cancel"/> is <c>CancelScope.Cancel()</c>, a <see cref="Nursery.CancelScope.Deadline"/>
    /// on it times the whole nursery (the children, and a <see cref="RunAsync(Func{TaskManager, Task})"/> body), and a
    /// shield on it keeps cancellations of the code around the manager away from its children. The statements of an
    /// <c>await using</c> block are the caller's code, not inside it.
    /// </summary>
    public CancelScope CancelScope
    {
        get
        {
            var scope = Volatile.Read(ref _scope);
            if (scope is not null) return scope;
            var created = new CancelScope(this);
            return Interlocked.CompareExchange(ref _scope, created, null) ?? created;
        }
    }

    /// <summary>
    /// Cancels every child, running or not yet started; children spawned later start cancelled. With no failure,
    /// the children end <see cref="ChildTaskStatus.Cancelled"/> and <see cref="DisposeAsync"/> returns normally. Any
    /// thread: off the loop thread it takes effect on the loop's next turn. On a joined manager, or once the loop has
    /// stopped, it does nothing.
    /// </summary>
    public void Cancel() => CancelOwn(null, "TaskManager.Cancel()");

    /// <inheritdoc />
    int ICancelNode.NestedIndex { get; set; } = -1;

    /// <summary>The code this manager was created in.</summary>
    internal LoopSynchronizationContext Parent => _parent;

    /// <summary>Whether <see cref="Cancel"/>, the scope's deadline or the outside token cancelled the manager.</summary>
    internal bool IsOwnCancellationRequested => _ownCause is not null;

    /// <summary>The reason of the manager's own cancellation, for its scope's <see cref="Nursery.CancelScope.CancelReason"/>.</summary>
    internal string? OwnCancelReason => _ownCause?.Reason;

    /// <summary>Whether the join returned normally after the manager's own cancellation.</summary>
    internal bool CancelledCaught => _cancelledCaught;

    /// <summary>Why the manager was cancelled, once it was.</summary>
    internal CancelCause? Cause => _cancelCause;

    /// <summary>Whether the manager's scope is shielded from the code around it.</summary>
    internal bool IsShielded => _scope?.Shield ?? false;

    /// <summary>The deadline of the manager's scope (<see cref="TimeSpan.MaxValue"/> when none was set).</summary>
    internal TimeSpan ScopeDeadline => _scope?.Deadline ?? TimeSpan.MaxValue;

    /// <summary>Whether the scope's deadline no longer matters (the manager has joined).</summary>
    internal bool IsClosedForDeadline => _state == State.Closed;

    /// <summary>The manager's own cancellation (Cancel or its scope's Cancel). Any thread; idempotent; nothing once joined.</summary>
    internal void CancelOwn(string? reason, string call)
    {
        if (EventLoop.Current != _loop)
        {
            // Nothing changes on the calling thread: the loop applies it on its next turn (a stopped loop drops it).
            _loop.Post(new WorkItem(s_cancelOnLoop, new CancelRequest(this, reason, call), _loop.RootContext));
            return;
        }
        if (_state == State.Closed || _ownCause is not null) return;
        CancelOwn(CancelCause.Requested(_loop, Subject, reason, call));
    }

    /// <summary>The scope's deadline passed (timer phase). Loop thread only.</summary>
    internal void OnDeadline(TimeSpan deadline)
    {
        if (_state == State.Closed || _ownCause is not null) return;
        CancelOwn(CancelCause.Deadline(_loop, Subject, deadline));
    }

    /// <summary>The scope's shield came down: a cancellation of the code around the manager that is pending reaches it now.</summary>
    internal void OnShieldLowered()
    {
        if (_state != State.Closed && _parent.IsCancelled && !IsCancellationRequested) CancelTree.Cancel(this, _parent.Cause!);
    }

    /// <summary>
    /// Cancels <paramref name="source"/> (the manager's token, or a child's). Exceptions thrown by its registered callbacks
    /// are failures of this manager (reported by its join), never swallowed; once the manager has joined there is no
    /// join left to report them, so they go to the caller, as with <see cref="CancellationTokenSource.Cancel()"/> itself.
    /// </summary>
    internal void CancelSource(CancellationTokenSource source, ChildTask? child)
    {
        try
        {
            source.Cancel();
        }
        catch (AggregateException e) when (_state != State.Closed)
        {
            foreach (var inner in e.InnerExceptions) RecordFailure(inner, child, primary: false);
        }
    }

    /// <summary>
    /// Whether <paramref name="ended"/> ended with an <see cref="OperationCanceledException"/> carrying the outside token
    /// of this manager or of one around it: that is the manager's cancellation (a child that passed <c>stoppingToken</c>
    /// straight to <c>Task.Delay</c>), even when the task's continuation outran the token's callback. The cancellation is
    /// applied now, so the child ends Cancelled with its siblings.
    /// </summary>
    internal bool ClaimsOutsideCancellation(Task ended)
    {
        if (TaskOutcomes.Of(ended) is not OperationCanceledException { CancellationToken: { IsCancellationRequested: true } token }) return false;
        for (var manager = this; manager is not null; manager = EnclosingManager(manager._parent))
        {
            if (manager._outsideToken.CanBeCanceled && manager._outsideToken == token)
            {
                manager.ApplyOutsideCancellation();
                return true;
            }
        }
        return false;
    }

    /// <summary>The nearest manager above <paramref name="node"/> (itself excluded), or null at the top of the loop.</summary>
    internal static TaskManager? EnclosingManager(ICancelNode node)
    {
        for (var above = node.Parent; above is not null; above = above.Parent)
        {
            if (above is TaskManager manager) return manager;
        }
        return null;
    }

    /// <inheritdoc />
    ICancelNode? ICancelNode.Parent => _parent;

    /// <inheritdoc />
    void ICancelNode.Cancel(CancelCause cause, bool fromParent, CancelWalk walk)
    {
        if (fromParent && IsShielded) return;
        if (Interlocked.Exchange(ref _cancelRequested, 1) == 1) return;
        _cancelCause = cause;
        if (_live > 0 || _bodyScope is { IsEnded: false }) _cutShort = true;
        // Steps come off in reverse: the children see the cancellation in spawn order, then the body, and the
        // manager's own token fires last, once everything below it has been cancelled.
        walk.FireTokenAfterBelow(this);
        if (_bodyScope is { } body) walk.Push(body.Context);
        for (var i = _children.Count - 1; i >= 0; i--) walk.Push(_children[i].Context);
        if (_adopted is { } adopted) foreach (var orphan in adopted) walk.Push(orphan);
    }

    /// <inheritdoc />
    void ICancelNode.FireToken()
    {
        if (Volatile.Read(ref _tokenSource) is { } source) CancelSource(source, null);
    }

    /// <summary>Cancels the manager itself for <paramref name="cause"/> (a host stopping, say). Loop thread only; idempotent.</summary>
    internal void CancelBy(CancelCause cause)
    {
        if (_state != State.Closed && _ownCause is null) CancelOwn(cause);
    }

    /// <summary>Cancels the manager itself (a shield does not stop its own cancellation).</summary>
    private void CancelOwn(CancelCause cause)
    {
        _ownCause = cause;
        _scope?.Disarm(_loop);
        CancelTree.Cancel(this, cause);
    }

    private void WatchOutsideToken(CancellationToken token)
    {
        _outsideToken = token;
        if (token.IsCancellationRequested) ApplyOutsideCancellation(); // no child body runs; a RunAsync body's first checkpoint throws
        else _outsideRegistration = token.UnsafeRegister(s_outsideTokenFired, this);
    }

    /// <summary>The outside token fired: cancel exactly as Cancel() would. Loop thread only.</summary>
    private void ApplyOutsideCancellation()
    {
        if (_state == State.Closed || _ownCause is not null) return;
        CancelOwn(CancelCause.OutsideToken(_loop, Subject));
    }

    /// <summary>The join is over: the outside token no longer concerns the manager.</summary>
    private void ReleaseOutsideToken() => _outsideRegistration.Unregister();

    /// <summary>A Cancel() from another thread, on its way to the loop.</summary>
    private sealed record CancelRequest(TaskManager Manager, string? Reason, string Call);
}
