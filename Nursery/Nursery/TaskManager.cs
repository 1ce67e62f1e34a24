using System.Collections.Immutable;
using System.Diagnostics;

namespace Nursery;

/// <summary>
/// A nursery: a scope that owns child tasks. Every child is joined when the scope ends, every result is kept in
/// <see cref="Values"/>, and one failing child cancels its siblings before the failure is rethrown.
/// </summary>
/// <remarks>
/// <para>
/// Managers form a tree with the code that runs them: a manager created inside a child's code (or a
/// <see cref="RunAsync(Func{TaskManager, Task})"/> body, a <see cref="Nursery.CancelScope"/> body, or work submitted to
/// a loop host) is nested under that code, so cancelling it cancels the manager and everything under it. Cancellation
/// flows down this tree eagerly; failures flow up one level at a time, as the exception a nested manager's join throws
/// into the code that owns it. Each manager has a scope of its own, <see cref="CancelScope"/>, that covers its children.
/// </para>
/// <para>
/// Outcomes are kept as values (on each <see cref="ChildTask"/>) and turned into exceptions only at the edge:
/// <see cref="DisposeAsync"/> and <see cref="RunAsync(Func{TaskManager, Task})"/>.
/// </para>
/// <para>
/// A manager is affine to its loop's thread; from another thread, go through a loop host. <see cref="Cancel"/> is the
/// exception: it may be called from any thread.
/// </para>
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

    /// <summary>The code this manager was created in (the loop's root context at the top of the loop; the root too once orphaned there).</summary>
    private LoopSynchronizationContext _parent;

    /// <summary>Every child in spawn order. Loop thread only.</summary>
    private readonly SegmentedList<ChildTask> _children = new();

    /// <summary>Children (and starting children, and adopted managers) that have not ended yet. Loop thread only.</summary>
    private int _live;

    /// <summary>Lifecycle state. Loop thread only.</summary>
    private State _state;

    /// <summary>Completed when <see cref="_live"/> drops to zero while someone joins.</summary>
    private TaskCompletionSource? _allEnded;

    /// <summary>The last <see cref="Values"/> handed out; rebuilt only when children completed since.</summary>
    private ImmutableDictionary<ChildTask, object?> _values = ImmutableDictionary<ChildTask, object?>.Empty;

    /// <summary>How many children have completed. <see cref="Values"/> is rebuilt when this differs from its count. Loop thread only.</summary>
    private int _completed;

    /// <summary>The state a <see cref="RunAsync(Func{TaskManager, Task})"/> body runs under (it is cancelled with the manager); null otherwise.</summary>
    private ChildTask? _bodyScope;

    /// <summary>With <see cref="ForgetsEndedChildren"/>: the list length at which ended children are next swept out. Loop thread only.</summary>
    private int _sweepAt = 64;

    /// <summary>Creates a manager on <see cref="EventLoop.Current"/>.</summary>
    /// <exception cref="InvalidOperationException">No event loop is running on this thread.</exception>
    public TaskManager()
        : this(EventLoop.Current ?? throw ThrowHelper.NoCurrentLoop())
    {
    }

    /// <summary>Creates a manager on <paramref name="loop"/>, nested under the code running now (a child, a scope, a body).</summary>
    /// <param name="loop">The loop; it must be running on the calling thread.</param>
    /// <exception cref="ArgumentNullException"><paramref name="loop"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="loop"/> is not running on the calling thread.</exception>
    public TaskManager(EventLoop loop)
        : this(loop, CancellationToken.None)
    {
    }

    /// <summary>
    /// Creates a manager on <paramref name="loop"/> that is cancelled when <paramref name="cancellationToken"/> fires (from
    /// any thread), exactly as by <see cref="Cancel"/>, for as long as the manager is open. If the token fires before the
    /// join completes, the join throws <see cref="OperationCanceledException"/> carrying it (unless a child failed: then
    /// the failure, as usual). The manager owns the registration and releases it after the join.
    /// </summary>
    /// <param name="loop">The loop; it must be running on the calling thread.</param>
    /// <param name="cancellationToken">A token from outside the loop, such as a host's <c>stoppingToken</c> or <c>HttpContext.RequestAborted</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="loop"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="loop"/> is not running on the calling thread.</exception>
    public TaskManager(EventLoop loop, CancellationToken cancellationToken)
        : this(loop, TaskManagerOptions.Default, cancellationToken)
    {
    }

    /// <summary>Creates a manager on <see cref="EventLoop.Current"/> that runs its children as <paramref name="options"/> say.</summary>
    /// <param name="options">The limit on running children, the failure policy and the name.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="InvalidOperationException">No event loop is running on this thread.</exception>
    public TaskManager(TaskManagerOptions options)
        : this(EventLoop.Current ?? throw ThrowHelper.NoCurrentLoop(), options)
    {
    }

    /// <summary>Creates a manager on <paramref name="loop"/> that runs its children as <paramref name="options"/> say.</summary>
    /// <param name="loop">The loop; it must be running on the calling thread.</param>
    /// <param name="options">The limit on running children, the failure policy and the name.</param>
    /// <exception cref="ArgumentNullException"><paramref name="loop"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="loop"/> is not running on the calling thread.</exception>
    public TaskManager(EventLoop loop, TaskManagerOptions options)
        : this(loop, options, CancellationToken.None)
    {
    }

    /// <summary>
    /// Creates a manager on <paramref name="loop"/> that runs its children as <paramref name="options"/> say and is
    /// cancelled when <paramref name="cancellationToken"/> fires (see <see cref="TaskManager(EventLoop, CancellationToken)"/>).
    /// </summary>
    /// <param name="loop">The loop; it must be running on the calling thread.</param>
    /// <param name="options">The limit on running children, the failure policy and the name.</param>
    /// <param name="cancellationToken">A token from outside the loop.</param>
    /// <exception cref="ArgumentNullException"><paramref name="loop"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="loop"/> is not running on the calling thread.</exception>
    public TaskManager(EventLoop loop, TaskManagerOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentNullException.ThrowIfNull(options);
        if (EventLoop.Current != loop) throw ThrowHelper.ManagerNeedsLoopThread();
        _loop = loop;
        Options = options;
        ForgetsEndedChildren = !options.RetainEndedChildren;
        _parent = LoopSynchronizationContext.CurrentOrRoot(loop);
        Run = _parent.Run;
        _parent.AddNested(this);
        OnOpened();
        if (_parent.IsCancelled) CancelTree.CancelFromParent(this, _parent.Cause!); // created inside cancelled code
        if (cancellationToken.CanBeCanceled) WatchOutsideToken(cancellationToken);
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

    /// <summary>Every child, in spawn order (a live read-only view). A child started with StartAsync is listed once it has called Started.</summary>
    /// <exception cref="InvalidOperationException">Read from another thread while the loop is running.</exception>
    public IReadOnlyList<ChildTask> Children
    {
        get
        {
            ThrowIfNotReadable();
            return _children;
        }
    }

    /// <summary>The loop this manager runs on.</summary>
    internal EventLoop Loop => _loop;

    /// <summary>The root of the loop's run this manager was created in (its children's code belongs to that run).</summary>
    internal RootContext Run { get; }

    /// <summary>
    /// Set for a loop host's root manager, which lives as long as its host and may run millions of children:
    /// ended children are dropped instead of being kept for <see cref="Values"/> and <see cref="Children"/>
    /// (nobody reads those on a root manager), so its memory follows the live children only.
    /// </summary>
    internal bool ForgetsEndedChildren { get; init; }

    /// <summary>How the manager is named in messages: "TaskManager #3", or "TaskManager #3 'crawler'" when it has a name.</summary>
    internal string Subject => Options.Name is { } name ? $"TaskManager #{Id} '{name}'" : $"TaskManager #{Id}";

    /// <summary>Bookkeeping when a child reaches its final status. Loop thread only.</summary>
    internal void OnChildEnded(ChildTask child)
    {
        Debug.Assert(_live > 0, "Only a live child can end.");
        _live--;
        ReleaseSlot(child);
        // A child that ends while still starting was never this manager's: its outcome belongs to its StartAsync.
        if (child.StartingUnder is null)
        {
            switch (child.Status)
            {
                case ChildTaskStatus.Completed:
                    if (!ForgetsEndedChildren) _completed++;
                    break;
                case ChildTaskStatus.Faulted:
                    RecordFailure(child.Exception!, child, IsPrimary(child));
                    break;
                case ChildTaskStatus.Cancelled:
                    _cutShort = true;
                    break;
            }
            OnListedChildEnded(child);
        }
        SignalIfAllEnded();
    }

    /// <summary>Throws unless called on the loop thread.</summary>
    internal void ThrowIfNotOnLoop()
    {
        if (EventLoop.Current != _loop) throw ThrowHelper.ManagerOffLoop();
    }

    /// <summary>Reads are fine on the loop thread, and from anywhere once the loop has stopped.</summary>
    private void ThrowIfNotReadable()
    {
        if (EventLoop.Current != _loop && _loop.IsRunning) throw ThrowHelper.ManagerOffLoop();
    }
}
