using System.Diagnostics;

namespace Nursery;

/// <summary>
/// A handle to one child of a <see cref="TaskManager"/>: its status, its failure, its own cancellation, and a
/// <see cref="Completion"/> task to join it individually.
/// </summary>
/// <remarks>
/// <para>
/// The handle is also the child's state: the run-queue item that starts it, its timer when scheduled, its body and its
/// outcome. Its code runs under its own <see cref="ChildContext"/>, which is the child's place in the cancellation tree
/// (its cancel status and pending checkpoints). What few children need (a cancellation source for a token, a completion
/// task, nested managers, a failure) lives in a separate <see cref="ChildTaskColdState"/> made on first use, so a plain
/// child costs one small object plus its context.
/// </para>
/// <para>
/// <see cref="ChildTask"/> is deliberately not awaitable: an awaitable return value would make every
/// <c>tm.Spawn(...)</c> statement raise warning CS4014. Join one child with <c>await child.Completion</c>.
/// </para>
/// <para>
/// Status, Exception and Completion may be read from any thread, and <see cref="Cancel"/> may be called from any
/// thread; everything else belongs to the loop thread.
/// </para>
/// </remarks>
[DebuggerDisplay("Child #{Id} {Status}")]
public partial class ChildTask : ITimerTarget
{
    /// <summary>Applies a Cancel() that came from another thread, on the loop thread.</summary>
    private static readonly SendOrPostCallback s_cancelOnLoop = static state => ((ChildTask)state!).CancelOwn();

    /// <summary>What the body's token is when the child is already cancelled and has no source of its own.</summary>
    private static readonly CancellationToken s_cancelledToken = new(canceled: true);

    /// <summary>The user's body until the child starts, then the body's task until it completes; null afterwards. Loop thread only.</summary>
    private object? _work;

    /// <summary>
    /// Until the child starts, the <see cref="ExecutionContext"/> at spawn time (AsyncLocal values flow into the child);
    /// once it has started, the <see cref="CancellationTokenSource"/> behind the body's token, if the body took one
    /// (every piece of host work and every <c>SpawnAsync</c> body does). One field for both, because their lives do not
    /// overlap (the context is taken before the body is called, the token is made while it runs): a child stays the
    /// size it was, and a token costs its source alone instead of the cold state too. Loop thread only, after spawn.
    /// </summary>
    private object? _startContextOrTokenSource;

    /// <summary>State few children need, made on first use (thread-safely: Completion may be asked for anywhere).</summary>
    private ChildTaskColdState? _cold;

    /// <summary>
    /// Current status (a <see cref="ChildTaskStatus"/>); written on the loop thread, read anywhere. A byte, so that it and
    /// <see cref="Slot"/> and <see cref="_watch"/> share the padding next to <see cref="Id"/>, so a child stays the size it was.
    /// </summary>
    private volatile byte _status;

    /// <summary>
    /// While the child is live: the loop time of the turn in which it was spawned or scheduled (the age DumpTree shows).
    /// Once it has ended: the loop time at which it ended (the order <see cref="TaskManager.WhenEach"/> yields in).
    /// One field for both, since nothing reads the spawn time of an ended child. Loop thread only.
    /// </summary>
    private TimeSpan _spawnedAt;

    /// <summary>How the end of the body is watched for (see <see cref="NoteAwaiting"/>). Loop thread only.</summary>
    private BodyWatch _watch;

    private protected ChildTask(TaskManager manager, int id, object? body)
    {
        Manager = manager;
        Id = id;
        _work = body;
        Context = new ChildContext(this);
        _spawnedAt = manager.Loop.TurnTime;
        if (body is not null) _startContextOrTokenSource = ExecutionContext.Capture();
    }

    internal ChildTask(TaskManager manager, int id, Func<Task> body)
        : this(manager, id, (object)body)
    {
    }

    internal ChildTask(TaskManager manager, int id, Func<CancellationToken, Task> body)
        : this(manager, id, (object)body)
    {
    }

    /// <summary>A number that identifies this child among all children of its loop.</summary>
    public int Id { get; }

    /// <summary>Where the child is in its life: Scheduled, Running, then Completed, Faulted or Cancelled.</summary>
    public ChildTaskStatus Status => (ChildTaskStatus)_status;

    /// <summary>The exception the child failed with when <see cref="Status"/> is <see cref="ChildTaskStatus.Faulted"/>; otherwise null.</summary>
    public Exception? Exception => Status == ChildTaskStatus.Faulted ? _cold!.Failure : null;

    /// <summary>
    /// A task that ends when the child ends: successfully when it completed, with the child's own exception
    /// object when it faulted, and cancelled when it was cancelled. Awaiting it does not cancel anything.
    /// Its continuations never run inline where the child ends: they are posted to where they were registered.
    /// </summary>
    public Task Completion => GetCompletionTask();

    /// <summary>The name given at <c>Spawn(body, name)</c>, shown in <see cref="EventLoop.DumpTree"/> and traces; null when none was given.</summary>
    public string? Name => _cold?.Name;

    /// <summary>The manager this child belongs to.</summary>
    internal TaskManager Manager { get; }

    /// <summary>Where the child was spawned ("path:line"), when known.</summary>
    internal string? SpawnSite => _cold?.SpawnSite;

    /// <summary>Loop time when the child was spawned or scheduled (live children only).</summary>
    internal TimeSpan SpawnedAt => _spawnedAt;

    /// <summary>Loop time when the child ended (ended children only).</summary>
    internal TimeSpan EndedAt => _spawnedAt;

    /// <summary>A label for dumps, traces and messages: "#id" or "#id name".</summary>
    internal string Label => Name is { } name ? $"#{Id} {name}" : $"#{Id}";

    /// <summary>The context the child's code runs under: its place in the cancellation tree.</summary>
    internal ChildContext Context { get; }

    /// <summary>The cold state, if it was ever made.</summary>
    internal ChildTaskColdState? Cold => _cold;

    /// <summary>The source behind the body's token, if the body took one. Loop thread only.</summary>
    internal CancellationTokenSource? TokenSource => _startContextOrTokenSource as CancellationTokenSource;

    /// <summary>Whether cancellation has reached this child (level-triggered: it stays requested).</summary>
    internal bool IsCancellationRequested => Context.IsCancelled;

    /// <summary>Whether the child has reached a final status.</summary>
    internal bool IsEnded => Status >= ChildTaskStatus.Completed;

    /// <summary>While the child is starting (<see cref="TaskManager.StartAsync"/>): the code that started it; null otherwise.</summary>
    internal LoopSynchronizationContext? StartingUnder => _cold?.StartingUnder;

    /// <summary>
    /// The token handed to the body: fires when this child, its manager or anything enclosing them is cancelled.
    /// Creates the cancellation source on first use. Loop thread only.
    /// </summary>
    internal CancellationToken Token
    {
        get
        {
            if (_startContextOrTokenSource is CancellationTokenSource existing) return existing.Token;
            if (Context.IsCancelled) return s_cancelledToken;
            Debug.Assert(_startContextOrTokenSource is null, "The token is made once the child has started (its start context is taken).");
            var source = new CancellationTokenSource();
            _startContextOrTokenSource = source;
            return source.Token;
        }
    }

    /// <summary>
    /// The token that cancelled checkpoints report: the child's own if its body took one; else its manager's when
    /// the manager was cancelled (so <c>catch (OperationCanceledException e) when (e.CancellationToken == tm.Token)</c>
    /// works, and host work, which gets its root manager's token, sees its own token); else an already-cancelled one.
    /// </summary>
    internal CancellationToken CancelledToken =>
        TokenSource?.Token ?? (Manager.IsCancellationRequested ? Manager.Token : s_cancelledToken);

    /// <inheritdoc />
    int ITimerTarget.TimerIndex
    {
        get => _cold?.TimerIndex ?? -1;
        set
        {
            if (value >= 0 || _cold is not null) EnsureCold().TimerIndex = value;
        }
    }

    /// <summary>
    /// Cancels this child only. A child that has not started never runs its body and ends
    /// <see cref="ChildTaskStatus.Cancelled"/>; a running child sees the cancellation at its next checkpoint and through
    /// its token. Does nothing once the child has ended. Any thread: off the loop thread the cancellation takes effect
    /// on the loop's next turn (and not at all if the loop has stopped).
    /// </summary>
    public void Cancel()
    {
        var loop = Manager.Loop;
        if (EventLoop.Current == loop) CancelOwn();
        else loop.Post(new WorkItem(s_cancelOnLoop, this, loop.RootContext));
    }

    /// <summary>The result boxed for <see cref="TaskManager.Values"/>: null for children without a result.</summary>
    internal virtual object? BoxedResult => null;

    /// <summary>Creates the state that runs a <see cref="TaskManager.RunAsync(Func{TaskManager, Task})"/> body: a child that is not listed in the manager.</summary>
    internal static ChildTask CreateBodyScope(TaskManager manager, int id) =>
        new(manager, id, (object?)null) { _status = (byte)ChildTaskStatus.Running };

    /// <summary>Records the optional name and spawn site. Called once, right after construction.</summary>
    internal void Describe(string? name, string? spawnSite)
    {
        if (name is null && spawnSite is null) return;
        var cold = EnsureCold();
        cold.Name = name;
        cold.SpawnSite = spawnSite;
    }

    /// <summary>Cancels this child (and what its code opened) on the loop thread.</summary>
    internal void CancelOwn()
    {
        if (IsEnded || Context.IsCancelled) return;
        CancelTree.Cancel(Context, CancelCause.Requested(Manager.Loop, $"child {Label}", reason: null, "ChildTask.Cancel()"));
    }

    /// <summary>
    /// The child's part of a cancellation that reached it (see <see cref="ChildContext"/>). A child that has not started
    /// ends Cancelled right now and its body never runs (a spawned child's start item finds it ended; a scheduled child
    /// leaves the timer heap); waiters are told on a later turn, because this runs inside the caller's Cancel() and
    /// their continuations must not run in the middle of it. Returns whether the child is still running.
    /// </summary>
    internal bool OnCancelled()
    {
        Manager.Loop.Trace?.CancelRequested(this);
        if (Status != ChildTaskStatus.Scheduled) return true;
        Manager.Loop.Timers.Remove(this);
        _work = null;
        _startContextOrTokenSource = null;
        End(ChildTaskStatus.Cancelled, null, notifyLater: true);
        return false;
    }

    /// <summary>
    /// The loop stopped (its main task completed) while this child was still live: it ends Cancelled without running
    /// any more of its code, so nobody waiting on its <see cref="Completion"/> from another thread is left waiting
    /// forever. What its code opened is abandoned by the same walk (see <see cref="CancelTree.Abandon"/>).
    /// </summary>
    internal void AbandonSelf()
    {
        if (IsEnded) return;
        // A body that goes on off the loop (Task.Run, ConfigureAwait(false)) may still fail later: nobody will read
        // that failure any more, and it must not surface as an unobserved task exception.
        if (_work is Task body) TaskOutcomes.ObserveWhenDone(body);
        _work = null;
        if (_startContextOrTokenSource is ExecutionContext) _startContextOrTokenSource = null; // a token source stays: the walk may fire it
        Manager.Loop.Timers.Remove(this);
        End(ChildTaskStatus.Cancelled, null);
    }

    /// <summary>Counts a pending AsyncEvent wait of this child, so DumpTree can say what it waits on.</summary>
    internal void BeginEventWait() => Interlocked.Increment(ref EnsureCold().EventWaits);

    /// <summary>An AsyncEvent wait of this child ended (any thread).</summary>
    internal void EndEventWait() => Interlocked.Decrement(ref EnsureCold().EventWaits);

    /// <summary>How many AsyncEvent waits of this child are pending.</summary>
    internal int PendingEventWaits => _cold is { } cold ? Volatile.Read(ref cold.EventWaits) : 0;

    /// <summary>Remembers an exception that the join of a manager nested in this child threw into its code.</summary>
    internal void NoteReportedFailure(Exception failure) => (EnsureCold().ReportedFailures ??= []).Add(failure);

    /// <summary>
    /// Whether <paramref name="ended"/> ended with a failure that a nested manager's join reported: then it is a
    /// failure even if it is an <see cref="OperationCanceledException"/> and this child has been cancelled.
    /// </summary>
    internal bool Carries(Task ended)
    {
        if (_cold?.ReportedFailures is not { } reported) return false;
        var failure = TaskOutcomes.Of(ended);
        return reported.Exists(r => ReferenceEquals(r, failure));
    }

    /// <summary>
    /// Children are numbered per loop, so hashing by id makes <see cref="TaskManager.Values"/> (a hash-ordered
    /// ImmutableDictionary) enumerate in spawn order, the same on every run. Equality stays reference equality.
    /// </summary>
    /// <returns>The child's <see cref="Id"/>.</returns>
    public override int GetHashCode() => Id;

    /// <summary>The cold state, made on first use (thread-safely).</summary>
    internal ChildTaskColdState EnsureCold()
    {
        var cold = Volatile.Read(ref _cold);
        if (cold is not null) return cold;
        var created = new ChildTaskColdState();
        return Interlocked.CompareExchange(ref _cold, created, null) ?? created;
    }
}
