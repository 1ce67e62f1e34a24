using System.Diagnostics;

namespace Nursery;

/// <summary>
/// A scope around a block of code that can be cancelled as a whole: by <see cref="Cancel"/>, by its
/// <see cref="Deadline"/>, or by a cancellation from outside that reaches it. Scopes nest, deadlines compose,
/// <see cref="Shield"/> protects cleanup, and a scope absorbs only its own cancellation. Trio's cancel scopes, on the
/// loop's clock.
/// </summary>
/// <remarks>
/// <para>
/// A scope is entered by <see cref="RunAsync"/>, called from code on a loop (<c>main</c>, a child, a
/// <see cref="TaskManager.RunAsync(Func{TaskManager, Task})"/> body, a host work item). It covers everything that code awaits inside the body:
/// the body's <see cref="EventLoop.Sleep(TimeSpan)"/> / <see cref="EventLoop.Yield"/> checkpoints observe it
/// (level-triggered), the body's token is <see cref="Token"/>, and managers created in the body nest under it, so
/// cancelling the scope cancels their children. Children spawned from the body into a manager opened outside it
/// belong to that manager, not to the scope: the scope does not cancel them.
/// </para>
/// <para>
/// When the scope is cancelled, <see cref="RunAsync"/> waits for the body to end and returns normally if the body ended
/// with an <see cref="OperationCanceledException"/> while this scope was cancelled and no cancellation from outside it
/// reaches the caller (<see cref="CancelledCaught"/>). Anything else passes through unchanged; an inner scope never
/// swallows an outer scope's cancellation.
/// </para>
/// <para>
/// <see cref="Cancel"/> may be called from any thread (off the loop it takes effect on the loop's next turn).
/// <see cref="Deadline"/> and <see cref="Shield"/> may be changed at any time, even while the body runs. Every
/// <see cref="TaskManager"/> has a scope of its own, <see cref="TaskManager.CancelScope"/>: a deadline on it times the
/// whole nursery.
/// </para>
/// </remarks>
[DebuggerDisplay("CancelScope: deadline = {Deadline}, shield = {Shield}, cancelled = {IsCancellationRequested}")]
public sealed partial class CancelScope : ITimerTarget
{
    private const int NotEntered = 0;
    private const int Entered = 1;
    private const int Exited = 2;

    /// <summary>Applies a Cancel() that came from another thread, on the loop thread.</summary>
    private static readonly SendOrPostCallback s_applyCancel = static state => ((CancelScope)state!).ApplyCancel();

    /// <summary>Applies a change of Deadline or Shield that came from another thread, on the loop thread.</summary>
    private static readonly SendOrPostCallback s_applySettings = static state => ((CancelScope)state!).ApplySettings();

    /// <summary>
    /// Guards the fields that threads other than the loop's may touch: the state, the request, the deadline. The scope
    /// itself (its monitor), not a separate lock object: FailAfter makes a scope per call, and the lock is rarely contended.
    /// </summary>
    private object Gate => this;

    /// <summary>The manager whose own scope this is; null for a scope users enter with <see cref="RunAsync"/>.</summary>
    private readonly TaskManager? _manager;

    /// <summary>NotEntered, Entered or Exited. Written under <see cref="Gate"/>.</summary>
    private int _state;

    /// <summary>The absolute deadline in loop time; <see cref="TimeSpan.MaxValue"/> for none. Written under <see cref="Gate"/>.</summary>
    private TimeSpan _deadline = TimeSpan.MaxValue;

    /// <summary>For <see cref="AfterDelay"/>: the delay that fixes the deadline when the scope is entered. Under <see cref="Gate"/>.</summary>
    private TimeSpan? _relativeDelay;

    /// <summary>Backs <see cref="Shield"/>.</summary>
    private volatile bool _shield;

    /// <summary>Cancel was called, or the deadline passed (this scope's own cancellation). Written under <see cref="Gate"/>.</summary>
    private volatile bool _cancelRequested;

    /// <summary>The reason given to the first Cancel call.</summary>
    private string? _requestedReason;

    /// <summary>The cause of this scope's own cancellation, once it has taken effect on the loop. Loop thread only.</summary>
    private CancelCause? _cause;

    /// <summary>The body's context, from the moment the scope is entered.</summary>
    private ScopeContext? _context;

    /// <summary>Backs <see cref="CancelledCaught"/>.</summary>
    private bool _cancelledCaught;

    /// <summary>The cancellation the scope absorbed (FailAfter hands it on as the TimeoutException's inner exception).</summary>
    private OperationCanceledException? _caught;

    /// <summary>Backs <see cref="Token"/>; made on first use.</summary>
    private CancellationTokenSource? _tokenSource;

    /// <summary>Exceptions thrown by callbacks of <see cref="Token"/> while the loop cancelled it; RunAsync reports them. Loop thread only.</summary>
    private List<Exception>? _callbackFailures;

    /// <summary>Creates a scope with no deadline.</summary>
    public CancelScope()
    {
    }

    /// <summary>Creates the own scope of <paramref name="manager"/>.</summary>
    internal CancelScope(TaskManager manager) => _manager = manager;

    /// <summary>
    /// The deadline in loop time (<see cref="EventLoop.Now"/>), <see cref="TimeSpan.MaxValue"/> when there is none. It
    /// may be moved at any time, even while the body runs: later un-arms the old timer, earlier fires sooner (at once if
    /// it is now in the past). A scope made by <see cref="AfterDelay"/> reads <see cref="TimeSpan.MaxValue"/> until it
    /// is entered, when its deadline is fixed; setting it before then replaces the delay with this absolute deadline.
    /// </summary>
    public TimeSpan Deadline
    {
        get => _deadline;
        set
        {
            EventLoop? loop;
            lock (Gate)
            {
                _deadline = value;
                _relativeDelay = null;
                loop = ArmedLoop;
            }
            if (loop is null) return;
            if (EventLoop.Current == loop) ApplySettings();
            else loop.Post(new WorkItem(s_applySettings, this, loop.RootContext));
        }
    }

    /// <summary>
    /// When <see langword="true"/>, cancellations from outside the scope do not reach inside it (its checkpoints, its
    /// token, the managers in it); its own <see cref="Cancel"/> and deadline still do. Turning it off while an outside
    /// cancellation is pending lets that cancellation in at once (a checkpoint the body waits in wakes). A token cannot
    /// be un-cancelled, so set it before the cancellation it should block: <see cref="Shielded"/> is the form for
    /// cleanup that must finish.
    /// </summary>
    public bool Shield
    {
        get => _shield;
        set
        {
            if (_shield == value) return;
            _shield = value;
            if (value) return;
            var loop = ArmedLoop;
            if (loop is null) return;
            if (EventLoop.Current == loop) ApplySettings();
            else loop.Post(new WorkItem(s_applySettings, this, loop.RootContext));
        }
    }

    /// <summary>Whether <see cref="Cancel"/> was called, or the deadline passed before the scope ended.</summary>
    public bool IsCancellationRequested => _manager?.IsOwnCancellationRequested ?? _cancelRequested;

    /// <summary>
    /// Why the scope was cancelled: "deadline 00:00:05 passed", the reason given to <see cref="Cancel"/>, or
    /// <see langword="null"/> (not cancelled, or <c>Cancel()</c> without a reason).
    /// </summary>
    public string? CancelReason => _manager is { } manager ? manager.OwnCancelReason : _cause?.Reason ?? _requestedReason;

    /// <summary>Whether the scope ended by absorbing its own cancellation (the body was cut short by it).</summary>
    public bool CancelledCaught => _manager?.CancelledCaught ?? _cancelledCaught;

    /// <summary>
    /// A token that fires when this scope, or (unless shielded) any scope around it, is cancelled: the token the body
    /// receives. For a manager's scope, the manager's <see cref="TaskManager.Token"/>.
    /// </summary>
    public CancellationToken Token
    {
        get
        {
            if (_manager is { } manager) return manager.Token;
            var source = Volatile.Read(ref _tokenSource);
            if (source is null)
            {
                var created = new CancellationTokenSource();
                source = Interlocked.CompareExchange(ref _tokenSource, created, null) ?? created;
                // Made after the cancellation: nobody can have registered on it yet, so cancelling it runs no callbacks.
                if ((_cancelRequested || _context is { IsCancelled: true }) && !source.IsCancellationRequested) source.Cancel();
            }
            return source.Token;
        }
    }

    /// <summary>Whether the scope has been left (its body ended, or its run was abandoned).</summary>
    internal bool HasExited => _manager is null && Volatile.Read(ref _state) == Exited;

    /// <inheritdoc />
    int ITimerTarget.TimerIndex { get; set; } = -1;

    /// <summary>The loop whose heap should hold this scope's deadline: a manager's, or an entered scope's. Null otherwise.</summary>
    private EventLoop? ArmedLoop => _manager is { } manager ? manager.Loop : _state == Entered ? _context!.Loop : null;

    /// <summary>A scope whose deadline is fixed when it is entered: the loop time at entry plus <paramref name="delay"/>.</summary>
    /// <param name="delay">How long the body may run, counted from entry; zero or positive.</param>
    /// <returns>A new scope, not entered yet.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    public static CancelScope AfterDelay(TimeSpan delay)
    {
        if (delay < TimeSpan.Zero) throw ThrowHelper.NegativeDelay(nameof(delay), delay);
        return new CancelScope { _relativeDelay = delay };
    }

    /// <summary>A scope with an absolute deadline in loop time.</summary>
    /// <param name="deadline">The loop time (<see cref="EventLoop.Now"/>) at which the scope is cancelled.</param>
    /// <returns>A new scope, not entered yet.</returns>
    public static CancelScope AtDeadline(TimeSpan deadline) => new() { _deadline = deadline };

    /// <summary>
    /// Cancels the scope: the body's checkpoints throw <see cref="OperationCanceledException"/> (naming
    /// <paramref name="reason"/>), its token fires, and managers in it cancel their children. Idempotent: the first
    /// reason is kept. Any thread: off the loop thread the cancellation takes effect on the loop's next turn. A scope
    /// cancelled before it is entered still starts its body, whose first checkpoint throws.
    /// </summary>
    /// <param name="reason">Why, for messages and <see cref="CancelReason"/>; optional.</param>
    public void Cancel(string? reason = null)
    {
        if (_manager is { } manager)
        {
            manager.CancelOwn(reason, "CancelScope.Cancel()");
            return;
        }
        EventLoop? loop;
        lock (Gate)
        {
            if (_cancelRequested) return;
            _cancelRequested = true;
            _requestedReason = reason;
            loop = _state == Entered ? _context!.Loop : null;
        }
        if (loop is null)
        {
            // Not entered (its entry applies it) or already left: only the token is left to fire, here and now.
            Volatile.Read(ref _tokenSource)?.Cancel();
            return;
        }
        if (EventLoop.Current == loop) ApplyCancel();
        else loop.Post(new WorkItem(s_applyCancel, this, loop.RootContext));
    }

    /// <summary>The deadline passed (timer phase of the loop).</summary>
    void ITimerTarget.OnTimer()
    {
        if (_manager is { } manager)
        {
            manager.OnDeadline(_deadline);
            return;
        }
        FireDeadline();
    }

    /// <summary>Brings the loop in line with the current Deadline and Shield. Loop thread only.</summary>
    internal void ApplySettings()
    {
        if (_manager is { } manager)
        {
            if (manager.IsClosedForDeadline) return;
            Rearm(manager.Loop, manager.IsCancellationRequested);
            if (!_shield) manager.OnShieldLowered();
            return;
        }
        if (_state != Entered) return;
        var context = _context!;
        Rearm(context.Loop, _cancelRequested);
        // The shield is down: an outside cancellation that is pending reaches the body now.
        if (!_shield && context.ParentContext is { IsCancelled: true } parent && !context.IsCancelled)
            CancelTree.Cancel(context, parent.Cause!);
    }

    /// <summary>Takes the deadline out of the loop's heap (the scope or its manager has ended).</summary>
    internal void Disarm(EventLoop loop) => loop.Timers.Remove(this);

    /// <summary>Fires the token of an entered scope during a cancel walk; callback failures are reported by RunAsync.</summary>
    internal void FireTokenOnLoop()
    {
        if (Volatile.Read(ref _tokenSource) is not { } source) return;
        try
        {
            source.Cancel();
        }
        catch (AggregateException e)
        {
            (_callbackFailures ??= []).AddRange(e.InnerExceptions);
        }
    }

    /// <summary>The loop's run ended while the body was running: the scope is left without its body resuming.</summary>
    internal void OnAbandoned()
    {
        lock (Gate) _state = Exited;
    }

    /// <summary>Puts the deadline into the heap, or fires it now if it has passed. Loop thread only.</summary>
    private void Rearm(EventLoop loop, bool cancelled)
    {
        loop.Timers.Remove(this);
        if (cancelled || _deadline == TimeSpan.MaxValue) return;
        if (_deadline <= loop.Now) ((ITimerTarget)this).OnTimer();
        else loop.Timers.Add(this, _deadline);
    }

    /// <summary>The scope's own deadline passed: cancel it, unless it was cancelled already.</summary>
    private void FireDeadline()
    {
        lock (Gate)
        {
            if (_cancelRequested || _state != Entered) return;
            _cancelRequested = true;
        }
        var context = _context!;
        _cause = CancelCause.Deadline(context.Loop, "the cancel scope", _deadline);
        context.Loop.Timers.Remove(this);
        CancelTree.Cancel(context, _cause);
    }

    /// <summary>Applies a Cancel() on the loop thread.</summary>
    private void ApplyCancel()
    {
        if (_state != Entered) return; // left meanwhile
        var context = _context!;
        _cause ??= CancelCause.Requested(context.Loop, "the cancel scope", _requestedReason, "CancelScope.Cancel()");
        context.Loop.Timers.Remove(this);
        CancelTree.Cancel(context, _cause);
    }
}
