using System.Runtime.ExceptionServices;
using System.Threading.Tasks.Sources;

namespace Nursery;

/// <summary>
/// Brings every <c>await</c> continuation of loop code back to the loop thread, and says where that code stands: which
/// child it belongs to, which cancel scopes enclose it, and whether it has been cancelled.
/// </summary>
/// <remarks>
/// <para>
/// Each place where code runs has its own instance, and it is a node of the cancellation tree (see
/// <see cref="ICancelNode"/>): the loop's root context (<c>main</c>, timer callbacks: never cancelled), each child
/// (<see cref="ChildContext"/>), each <see cref="TaskManager.RunAsync(Func{TaskManager, Task})"/> body (a child that is not listed), and each
/// entered <see cref="CancelScope"/> (<see cref="ScopeContext"/>). Because an <c>await</c> captures the context it
/// started under, code carries its node with it, and <see cref="EventLoop.Sleep(TimeSpan)"/> finds "the current
/// node" without an <see cref="AsyncLocal{T}"/> (which would cost an ExecutionContext per child). This is Trio's
/// <c>CancelStatus</c>: a checkpoint reads one flag here, which the cancel walks keep up to date eagerly.
/// </para>
/// <para>
/// What is kept here is the node's cancel status: the level-triggered flag, the cause, and the sleeps pending at
/// this node. What the node holds below it (managers created and scopes entered in its code) and its token belong to
/// its owner, reached through the abstract members. Loop thread only, except <see cref="Post"/> and
/// <see cref="Send"/>.
/// </para>
/// <para>
/// It is also what <see cref="EventLoop.Yield"/> returns (as an <see cref="IValueTaskSource"/> behind a
/// <see cref="Checkpoint"/>): a yield needs no state of its own beyond the node whose cancellation it checks, so
/// yielding allocates nothing.
/// </para>
/// </remarks>
internal abstract class LoopSynchronizationContext : SynchronizationContext, ICancelNode, IValueTaskSource
{
    /// <summary>Set once this code has been cancelled; never cleared (level-triggered). Loop thread only.</summary>
    private bool _cancelled;

    /// <summary>
    /// Set once the loop's run that this code belongs to has ended: its code never resumes, and work posted to it is
    /// dropped (a later run of the same loop must not run it).
    /// </summary>
    private volatile bool _abandoned;

    /// <summary>Why this code was cancelled (the first cause that reached it). Loop thread only.</summary>
    private CancelCause? _cause;

    /// <summary>Head of the list of sleeps pending at this node, so cancelling it can wake them. Loop thread only.</summary>
    private SleepOperation? _sleeps;

    /// <summary>The loop this context posts to.</summary>
    public abstract EventLoop Loop { get; }

    /// <summary>
    /// The root of the run this code belongs to. Once that run has ended, work posted here is dropped, even when the
    /// code itself was never reached by the abandon walk (stray code of a child whose manager closed normally).
    /// </summary>
    public abstract RootContext Run { get; }

    /// <summary>The child whose code this is (the innermost one); null for code that belongs to no child.</summary>
    public abstract ChildTask? Child { get; }

    /// <summary>The node above this one: a manager, or the code node a scope was entered in; null at the root.</summary>
    public abstract ICancelNode? Parent { get; }

    /// <summary>A token that fires when this code is cancelled (made on first use where it needs a source).</summary>
    public abstract CancellationToken Token { get; }

    /// <summary>The token a cancelled checkpoint here reports, without making a source only for that.</summary>
    public abstract CancellationToken CancelledToken { get; }

    /// <inheritdoc />
    public abstract int NestedIndex { get; set; }

    /// <summary>Whether this code has been cancelled (level-triggered: it stays cancelled).</summary>
    public bool IsCancelled => _cancelled;

    /// <summary>Why this code was cancelled; null while it is not.</summary>
    public CancelCause? Cause => _cause;

    /// <summary>Whether the run this code belongs to has ended under it.</summary>
    public bool IsAbandoned => _abandoned;

    /// <summary>The pending sleeps at this node, newest first. Loop thread only.</summary>
    public SleepOperation? PendingSleeps => _sleeps;

    /// <summary>Whether cancellation from outside stops at this node (a shielded scope).</summary>
    public virtual bool IsShielded => false;

    /// <summary>The nodes nested here, if any were ever added.</summary>
    public abstract NestedNodes? Nested { get; }

    /// <summary>Whether the code of this node has ended (a child that ended, a scope that was left).</summary>
    protected abstract bool IsEnded { get; }

    /// <summary>The context of code running on <paramref name="loop"/>'s thread right now, if it is one of its contexts.</summary>
    public static LoopSynchronizationContext? CurrentOn(EventLoop loop) =>
        Current is LoopSynchronizationContext context && context.Loop == loop ? context : null;

    /// <summary>The node of the code running on <paramref name="loop"/>'s thread: its context, or the loop's root.</summary>
    public static LoopSynchronizationContext CurrentOrRoot(EventLoop loop) => CurrentOn(loop) ?? loop.RootContext;

    /// <summary>The child whose context is current on this thread (used only on a loop thread).</summary>
    public static ChildTask? CurrentChild => (Current as LoopSynchronizationContext)?.Child;

    /// <summary>
    /// Remembers an exception that the join of a manager nested here threw into this code: if the code then ends with
    /// it, it is a failure even when it is an <see cref="OperationCanceledException"/> and this node was cancelled.
    /// </summary>
    public virtual void NoteReportedFailure(Exception failure)
    {
    }

    /// <summary>Whether <paramref name="ended"/> ended with a failure that a nested manager's join reported here.</summary>
    public virtual bool Carries(Task ended) => false;

    /// <summary>
    /// A manager nested here was cancelled by this code's cancellation while it had work to cut short, and its join
    /// returned normally (a cancellation alone is not an error of the join). A cancel scope needs to know: its body may
    /// end normally right after that join although the scope's cancellation cut the work short.
    /// </summary>
    public virtual void NoteCutShort()
    {
    }

    /// <summary>Records a node nested in this code: a manager created here, a scope entered here, a child starting here.</summary>
    public abstract void AddNested(ICancelNode node);

    /// <summary>Forgets a nested node (it closed, was left, or moved).</summary>
    public void RemoveNested(ICancelNode node) => Nested?.Remove(node);

    /// <summary>
    /// The exception a cancelled checkpoint at this node throws: it names the cause. A <see cref="TaskCanceledException"/>,
    /// as checkpoints threw when they returned plain tasks (a <c>catch (TaskCanceledException)</c> keeps working).
    /// </summary>
    public OperationCanceledException CancellationException() =>
        new TaskCanceledException(_cause?.Message ?? "The operation was cancelled.", null, CancelledToken);

    /// <summary>Throws <see cref="CancellationException"/> if this code has been cancelled (a checkpoint's check).</summary>
    public void ThrowIfCancelled()
    {
        if (_cancelled) throw CancellationException();
    }

    /// <summary>A yield is complete only once it has been awaited (and resumed).</summary>
    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => ValueTaskSourceStatus.Pending;

    /// <summary>A yield resumes: cancellation is checked now (level-triggered).</summary>
    void IValueTaskSource.GetResult(short token) => ThrowIfCancelled();

    /// <summary>A yield: the awaiting code goes to the back of the run queue, under its own context.</summary>
    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        var loop = Loop;
        if (EventLoop.Current != loop)
        {
            // Awaited off the loop (a checkpoint value carried to another thread): resume on the loop, under this node.
            var offLoop = CheckpointContinuation.Prepare(continuation, state, flags, this, onLoop: false, out var offLoopState);
            loop.Post(new WorkItem(offLoop, offLoopState, this));
            return;
        }
        var resumeIn = CurrentOn(loop) ?? this;
        var callback = CheckpointContinuation.Prepare(continuation, state, flags, resumeIn, onLoop: true, out var itemState);
        loop.Enqueue(new WorkItem(callback, itemState, resumeIn));
    }

    /// <summary>Registers a sleep so that cancelling this node wakes it.</summary>
    public void Track(SleepOperation op)
    {
        op.Next = _sleeps;
        if (_sleeps is not null) _sleeps.Previous = op;
        _sleeps = op;
    }

    /// <summary>Forgets a sleep that ended. Harmless for a sleep that is not tracked here.</summary>
    public void Untrack(SleepOperation op)
    {
        if (op.Previous is not null) op.Previous.Next = op.Next;
        else if (_sleeps == op) _sleeps = op.Next;
        else return;
        if (op.Next is not null) op.Next.Previous = op.Previous;
        op.Previous = op.Next = null;
    }

    /// <summary>Wakes every pending sleep at this node as cancelled (the node was cancelled, or its code ended).</summary>
    public void CancelSleeps()
    {
        while (_sleeps is { } op) op.Cancel(byToken: false);
    }

    /// <summary>
    /// Applies a cancellation to this node: marks it, wakes its sleeps, hands its nested nodes to the walk, and has
    /// its token fired once they have been cancelled. See <see cref="ICancelNode.Cancel"/>.
    /// </summary>
    public void Cancel(CancelCause cause, bool fromParent, CancelWalk walk)
    {
        if (fromParent && IsShielded) return;
        if (_cancelled || IsEnded) return;
        _cancelled = true;
        _cause = cause;
        if (!OnCancelled()) return;
        CancelSleeps();
        walk.FireTokenAfterBelow(this);
        Nested?.PushTo(walk);
    }

    /// <inheritdoc />
    public void Abandon(CancelWalk walk)
    {
        if (_abandoned) return;
        _abandoned = true;
        Nested?.PushTo(walk);
        OnAbandoned();
    }

    /// <summary>Marks the node abandoned without a walk (a root context whose run ended with nothing under it).</summary>
    protected void MarkAbandoned() => _abandoned = true;

    /// <summary>
    /// The owner's part of a cancellation, after the flag is set and before the sleeps wake. Returns false when
    /// nothing more is to be done (a child that had not started has ended at once).
    /// </summary>
    protected virtual bool OnCancelled() => true;

    /// <summary>Fires the owner's token source, if it has one, and routes failures of its callbacks to where they are reported.</summary>
    public abstract void FireToken();

    /// <summary>The owner's part of abandoning: a child ends Cancelled without running more code.</summary>
    protected virtual void OnAbandoned()
    {
    }

    /// <summary>Queues the callback on the loop, from any thread. Never runs it inline; dropped once this code was abandoned.</summary>
    public override void Post(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (_abandoned || Run.IsAbandoned) return; // abandoned code never resumes, not even in a later run
        var loop = Loop;
        // From another thread on a virtual clock: an await that completed off the loop. Counted, and fatal when strict.
        if (loop.NotesCrossThreadResume) loop.NoteCrossThreadResume(this, d, state);
        loop.Post(new WorkItem(d, state, this));
    }

    /// <summary>Runs the callback on the loop and waits for it. Inline when already on the loop thread.</summary>
    /// <exception cref="InvalidOperationException">
    /// Called from another thread while the loop is not running, or the loop stopped before it got to the callback:
    /// either way the wait could never end.
    /// </exception>
    public override void Send(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        var loop = Loop;
        if (EventLoop.Current == loop)
        {
            d(state);
            return;
        }
        if (!loop.IsRunning || _abandoned)
            throw new InvalidOperationException("SynchronizationContext.Send to an event loop that is not running would wait forever; start the loop first.");
        using var call = new SentCall(d, state);
        loop.Post(new WorkItem(SentCall.Run, call, this));
        // The loop may stop (main completed) before it reaches the call, and a stopped loop drops its queued
        // work: look up now and then, and give up (for good: the call will never run late) once it has stopped.
        while (!call.Done.Wait(SentCall.StopCheckInterval))
        {
            if ((!loop.IsRunning || _abandoned) && call.TryAbandon())
                throw new InvalidOperationException("The event loop stopped before it ran the callback passed to SynchronizationContext.Send.");
        }
        call.Failure?.Throw();
    }

    /// <summary>Contexts stand for a place in the tree, so the copy is the context itself.</summary>
    public override SynchronizationContext CreateCopy() => this;

    /// <summary>A callback passed to <see cref="Send"/> from another thread, and its outcome.</summary>
    private sealed class SentCall(SendOrPostCallback callback, object? state) : IDisposable
    {
        /// <summary>How often a waiting sender checks that the loop is still running.</summary>
        public static readonly TimeSpan StopCheckInterval = TimeSpan.FromMilliseconds(50);

        /// <summary>Runs the call on the loop, unless the sender has given up on it.</summary>
        public static readonly SendOrPostCallback Run = static s => ((SentCall)s!).Execute();

        /// <summary>0 = waiting, 1 = taken by the loop, 2 = abandoned by the sender. Interlocked.</summary>
        private int _state;

        /// <summary>Set once the callback has run.</summary>
        public ManualResetEventSlim Done { get; } = new();

        /// <summary>What the callback threw, if anything.</summary>
        public ExceptionDispatchInfo? Failure { get; private set; }

        /// <summary>The sender gives up; false if the loop has already taken the call (then wait for it).</summary>
        public bool TryAbandon() => Interlocked.CompareExchange(ref _state, 2, 0) == 0;

        public void Dispose() => Done.Dispose();

        private void Execute()
        {
            if (Interlocked.CompareExchange(ref _state, 1, 0) != 0) return; // the sender gave up: never run late
            try { callback(state); }
            catch (Exception e) { Failure = ExceptionDispatchInfo.Capture(e); }
            finally { Done.Set(); }
        }
    }
}
