using System.Collections.Immutable;
using System.Diagnostics;

namespace Nursery;

/// <summary>
/// A nursery: a scope that owns child tasks. Every child is joined when the scope ends, every result is kept in
/// <see cref="Values"/>, and one failing child cancels its siblings before the failure is rethrown.
/// </summary>
/// <remarks>
/// <para>
/// Managers form a tree with the children that run them: a manager created inside a child's code (or a
/// <see cref="RunAsync"/> body, or work submitted to a loop host) is nested under that child, so cancelling
/// the child cancels the manager and everything under it. Cancellation flows down this tree eagerly; failures
/// flow up one level at a time, as the exception a nested manager's join throws into the child that owns it.
/// </para>
/// <para>
/// Outcomes are kept as values (on each <see cref="ChildTask"/>) and turned into exceptions only at the edge:
/// <see cref="DisposeAsync"/> and <see cref="RunAsync"/>.
/// </para>
/// <para>A manager is affine to its loop's thread; from another thread, go through a loop host.</para>
/// </remarks>
[DebuggerDisplay("TaskManager: {_children.Count} children, {_live} live, {_state}")]
public sealed partial class TaskManager : IAsyncDisposable
{
    /// <summary>Where the manager is in its life.</summary>
    private enum State
    {
        /// <summary>Accepting children; nobody is joining yet.</summary>
        Open,

        /// <summary>DisposeAsync is waiting for the children; children may still spawn siblings.</summary>
        Joining,

        /// <summary>Joined: every child has ended and no more can be added.</summary>
        Closed,
    }

    /// <summary>The loop this manager (and each of its children) runs on.</summary>
    private readonly EventLoop _loop;

    /// <summary>The child (or RunAsync body) this manager is nested in; null at the top of the loop.</summary>
    private readonly ChildTask? _owner;

    /// <summary>Every child in spawn order. Loop thread only.</summary>
    private readonly SegmentedList<ChildTask> _children = new();

    /// <summary>Children that have not ended yet. Loop thread only.</summary>
    private int _live;

    /// <summary>Failures in the order they happened (child failures and exceptions from cancellation callbacks). Loop thread only.</summary>
    private List<Exception>? _failures;

    /// <summary>1 once the manager has been cancelled. Interlocked, because <see cref="Token"/> may be created off the loop.</summary>
    private int _cancelRequested;

    /// <summary>Backs <see cref="Token"/>; created on first use.</summary>
    private CancellationTokenSource? _tokenSource;

    /// <summary>Lifecycle state. Loop thread only.</summary>
    private State _state;

    /// <summary>Completed when <see cref="_live"/> drops to zero while someone joins.</summary>
    private TaskCompletionSource? _allEnded;

    /// <summary>The last <see cref="Values"/> handed out; rebuilt only when children completed since.</summary>
    private ImmutableDictionary<ChildTask, object?> _values = ImmutableDictionary<ChildTask, object?>.Empty;

    /// <summary>How many children have completed. <see cref="Values"/> is rebuilt when this differs from its count. Loop thread only.</summary>
    private int _completed;

    /// <summary>The state a <see cref="RunAsync"/> body runs under (it is cancelled with the manager); null otherwise.</summary>
    private ChildTask? _bodyScope;

    /// <summary>With <see cref="ForgetsEndedChildren"/>: the list length at which ended children are next swept out. Loop thread only.</summary>
    private int _sweepAt = 64;

    /// <summary>Creates a manager on <see cref="EventLoop.Current"/>.</summary>
    /// <exception cref="InvalidOperationException">No event loop is running on this thread.</exception>
    public TaskManager()
        : this(EventLoop.Current ?? throw ThrowHelper.NoCurrentLoop())
    {
    }

    /// <summary>Creates a manager on <paramref name="loop"/>, nested under the child whose code is running now (if any).</summary>
    /// <param name="loop">The loop; it must be running on the calling thread.</param>
    /// <exception cref="ArgumentNullException"><paramref name="loop"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="loop"/> is not running on the calling thread.</exception>
    public TaskManager(EventLoop loop)
    {
        ArgumentNullException.ThrowIfNull(loop);
        if (EventLoop.Current != loop) throw ThrowHelper.ManagerNeedsLoopThread();
        _loop = loop;
        _owner = LoopSynchronizationContext.CurrentOwner(loop);
        if (_owner is not null)
        {
            _owner.AddNestedManager(this);
            if (_owner.IsCancellationRequested) _cancelRequested = 1; // created inside a cancelled child
        }
        OnOpened();
    }

    /// <summary>
    /// The result of every child that ran to completion, keyed by its handle (<see langword="null"/> for children
    /// without a result). Cancelled and faulted children are absent. Built on read and cached until another child completes.
    /// </summary>
    /// <exception cref="InvalidOperationException">Read from another thread while the loop is running.</exception>
    public ImmutableDictionary<ChildTask, object?> Values
    {
        get
        {
            ThrowIfNotReadable();
            if (_values.Count != _completed)
            {
                // Built on read, not per completion: a completed child only bumps a counter.
                var builder = ImmutableDictionary.CreateBuilder<ChildTask, object?>();
                for (var i = 0; i < _children.Count; i++)
                {
                    var child = _children[i];
                    if (child.Status == ChildTaskStatus.Completed) builder.Add(child, child.BoxedResult);
                }
                _values = builder.ToImmutable();
            }
            return _values;
        }
    }

    /// <summary>Every child, in spawn order (a live read-only view).</summary>
    /// <exception cref="InvalidOperationException">Read from another thread while the loop is running.</exception>
    public IReadOnlyList<ChildTask> Children
    {
        get
        {
            ThrowIfNotReadable();
            return _children;
        }
    }

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

    /// <summary>Whether this manager has been cancelled. Any thread.</summary>
    public bool IsCancellationRequested => Volatile.Read(ref _cancelRequested) == 1;

    /// <summary>The loop this manager runs on.</summary>
    internal EventLoop Loop => _loop;

    /// <summary>
    /// Set for a loop host's root manager, which lives as long as its host and may run millions of children:
    /// ended children are dropped instead of being kept for <see cref="Values"/> and <see cref="Children"/>
    /// (nobody reads those on a root manager), so its memory follows the live children only.
    /// </summary>
    internal bool ForgetsEndedChildren { get; init; }

    /// <summary>
    /// Cancels every child, running or not yet started; children spawned later start cancelled. With no failure,
    /// the children end <see cref="ChildTaskStatus.Cancelled"/> and <see cref="DisposeAsync"/> returns normally.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called from a thread other than the loop's.</exception>
    public void Cancel()
    {
        ThrowIfNotOnLoop();
        CancelCore();
    }

    /// <summary>Cancels the manager and pushes the cancellation down to every child and nested manager. Idempotent.</summary>
    internal void CancelCore()
    {
        if (Interlocked.Exchange(ref _cancelRequested, 1) == 1) return;
        // Index loop: cancellation callbacks may spawn (the new children start cancelled).
        for (var i = 0; i < _children.Count; i++) _children[i].RequestCancel();
        _bodyScope?.RequestCancel();
        if (Volatile.Read(ref _tokenSource) is { } source) CancelSource(source);
    }

    /// <summary>
    /// Cancels <paramref name="source"/>. Exceptions thrown by its registered callbacks are failures of this
    /// manager (reported by its join), never swallowed; once the manager has joined there is no join left to
    /// report them, so they go to the caller of Cancel, as with <see cref="CancellationTokenSource.Cancel()"/> itself.
    /// </summary>
    internal void CancelSource(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (AggregateException e) when (_state != State.Closed)
        {
            foreach (var inner in e.InnerExceptions) RecordFailure(inner);
        }
    }

    /// <summary>Bookkeeping when a child reaches its final status. Loop thread only.</summary>
    internal void OnChildEnded(ChildTask child)
    {
        Debug.Assert(_live > 0, "Only a live child can end.");
        _live--;
        switch (child.Status)
        {
            case ChildTaskStatus.Completed:
                if (!ForgetsEndedChildren) _completed++;
                break;
            case ChildTaskStatus.Faulted:
                RecordFailure(child.Exception!);
                break;
        }
        SignalIfAllEnded();
    }

    /// <summary>Throws unless called on the loop thread.</summary>
    internal void ThrowIfNotOnLoop()
    {
        if (EventLoop.Current != _loop) throw ThrowHelper.ManagerOffLoop();
    }

    private void RecordFailure(Exception failure)
    {
        // The same exception object can end two children (one awaits the other's Completion and rethrows it):
        // that is one failure, reported once.
        if (_failures?.Any(known => ReferenceEquals(known, failure)) != true) (_failures ??= []).Add(failure);
        CancelCore();
    }

    /// <summary>Reads are fine on the loop thread, and from anywhere once the loop has stopped.</summary>
    private void ThrowIfNotReadable()
    {
        if (EventLoop.Current != _loop && _loop.IsRunning) throw ThrowHelper.ManagerOffLoop();
    }
}
