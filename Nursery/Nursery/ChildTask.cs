using System.Diagnostics;

namespace Nursery;

/// <summary>
/// A handle to one child of a <see cref="TaskManager"/>: its status, its failure, its own cancellation, and a
/// <see cref="Completion"/> task to join it individually.
/// </summary>
/// <remarks>
/// <para>
/// The handle is also the child's state: the run-queue item that starts it, its timer when scheduled, and its
/// list of pending checkpoints. What few children need (a cancellation source for a token, a completion task,
/// nested managers, a failure) lives in a separate <see cref="ChildTaskColdState"/> made on first use, so a
/// plain child costs one small object plus its synchronization context.
/// </para>
/// <para>
/// <see cref="ChildTask"/> is deliberately not awaitable: an awaitable return value would make every
/// <c>tm.Spawn(...)</c> statement raise warning CS4014. Join one child with <c>await child.Completion</c>.
/// </para>
/// <para>Status, Exception and Completion may be read from any thread; <see cref="Cancel"/> belongs to the loop thread.</para>
/// </remarks>
[DebuggerDisplay("Child #{Id} {Status}")]
public class ChildTask : ITimerTarget
{
    /// <summary>Run-queue callback that starts a child.</summary>
    private static readonly SendOrPostCallback s_start = static state => ((ChildTask)state!).Start();

    /// <summary>Starts a child inside the ExecutionContext captured when it was spawned.</summary>
    private static readonly ContextCallback s_startInContext = static state => ((ChildTask)state!).InvokeBodyAndObserve();

    /// <summary>
    /// The one continuation shared by every child's body task. It is registered while the child's own context is
    /// current, so the runtime runs it under that context (inline, or posted to the loop), and the context says
    /// which child's body completed. No delegate per child.
    /// </summary>
    private static readonly Action s_onBodyCompleted = static () =>
    {
        var owner = LoopSynchronizationContext.CurrentChild;
        Debug.Assert(owner is not null, "A body's completion callback runs under its child's context.");
        owner?.ObserveBody();
    };

    /// <summary>Tells waiters that a child ended, on a later turn (see <see cref="RequestCancel"/>).</summary>
    private static readonly SendOrPostCallback s_notifyEnded = static state => ((ChildTask)state!).NotifyEnded();

    /// <summary>What the body's token is when the child is already cancelled and has no source of its own.</summary>
    private static readonly CancellationToken s_cancelledToken = new(canceled: true);

    /// <summary>The user's body until the child starts, then the body's task until it completes; null afterwards. Loop thread only.</summary>
    private object? _work;

    /// <summary>The ExecutionContext at spawn time (AsyncLocal values flow into the child); null once started.</summary>
    private ExecutionContext? _executionContext;

    /// <summary>Head of the list of this child's pending sleeps, so cancellation can abort them. Loop thread only.</summary>
    private SleepOperation? _checkpoints;

    /// <summary>State few children need, made on first use (thread-safely: Completion may be asked for anywhere).</summary>
    private ChildTaskColdState? _cold;

    /// <summary>Current status; written on the loop thread, read anywhere.</summary>
    private volatile ChildTaskStatus _status;

    /// <summary>Cancellation has been requested for this child, directly or from an enclosing manager. Loop thread only.</summary>
    private bool _cancelRequested;

    /// <summary>Loop time of the turn in which the child was spawned or scheduled, for the age shown by DumpTree.</summary>
    private readonly TimeSpan _spawnedAt;

    private protected ChildTask(TaskManager manager, int id, object? body)
    {
        Manager = manager;
        Id = id;
        _work = body;
        Context = new LoopSynchronizationContext(this);
        _spawnedAt = manager.Loop.TurnTime;
        if (body is not null) _executionContext = ExecutionContext.Capture();
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
    public ChildTaskStatus Status => _status;

    /// <summary>The exception the child failed with when <see cref="Status"/> is <see cref="ChildTaskStatus.Faulted"/>; otherwise null.</summary>
    public Exception? Exception => _status == ChildTaskStatus.Faulted ? _cold!.Failure : null;

    /// <summary>
    /// A task that ends when the child ends: successfully when it completed, with the child's own exception
    /// object when it faulted, and cancelled when it was cancelled. Awaiting it does not cancel anything.
    /// </summary>
    public Task Completion => GetCompletionTask();

    /// <summary>The name given at <c>Spawn(body, name)</c>, shown in <see cref="EventLoop.DumpTree"/> and traces; null when none was given.</summary>
    public string? Name => _cold?.Name;

    /// <summary>The manager this child belongs to.</summary>
    internal TaskManager Manager { get; }

    /// <summary>Where the child was spawned ("path:line"), when known.</summary>
    internal string? SpawnSite => _cold?.SpawnSite;

    /// <summary>Loop time when the child was spawned or scheduled.</summary>
    internal TimeSpan SpawnedAt => _spawnedAt;

    /// <summary>The pending sleeps of this child, newest first. Loop thread only.</summary>
    internal SleepOperation? PendingSleeps => _checkpoints;

    /// <summary>Open managers created inside this child's code. Loop thread only.</summary>
    internal IReadOnlyList<TaskManager>? NestedManagers => _cold?.NestedManagers;

    /// <summary>A label for dumps and traces: "#id" or "#id name".</summary>
    internal string Label => Name is { } name ? $"#{Id} {name}" : $"#{Id}";

    /// <summary>The synchronization context the child's code runs under; it identifies the child to the loop.</summary>
    internal LoopSynchronizationContext Context { get; }

    /// <summary>Whether cancellation has been requested for this child (level-triggered: it stays requested).</summary>
    internal bool IsCancellationRequested => _cancelRequested;

    /// <summary>Whether the child has reached a final status.</summary>
    internal bool IsEnded => _status >= ChildTaskStatus.Completed;

    /// <summary>
    /// The token handed to the body: fires when this child, its manager or an enclosing manager is cancelled.
    /// Creates the cancellation source on first use. Loop thread only.
    /// </summary>
    internal CancellationToken Token
    {
        get
        {
            if (_cold?.Cancellation is { } existing) return existing.Token;
            if (_cancelRequested) return s_cancelledToken;
            var source = new CancellationTokenSource();
            EnsureCold().Cancellation = source;
            return source.Token;
        }
    }

    /// <summary>
    /// The token that cancelled checkpoints report: the child's own if its body took one; else its manager's when
    /// the manager was cancelled (so <c>catch (OperationCanceledException e) when (e.CancellationToken == tm.Token)</c>
    /// works, and host work, which gets its root manager's token, sees its own token); else an already-cancelled one.
    /// </summary>
    internal CancellationToken CancelledToken =>
        _cold?.Cancellation?.Token ?? (Manager.IsCancellationRequested ? Manager.Token : s_cancelledToken);

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
    /// <see cref="ChildTaskStatus.Cancelled"/>; a running child sees the cancellation at its next checkpoint
    /// and through its token. Does nothing once the child has ended.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called from a thread other than the loop's.</exception>
    public void Cancel()
    {
        Manager.ThrowIfNotOnLoop();
        RequestCancel();
    }

    /// <summary>The result boxed for <see cref="TaskManager.Values"/>: null for children without a result.</summary>
    internal virtual object? BoxedResult => null;

    /// <summary>Creates the state that runs a <see cref="TaskManager.RunAsync"/> body: a child that is not listed in the manager.</summary>
    internal static ChildTask CreateBodyScope(TaskManager manager, int id) =>
        new(manager, id, (object?)null) { _status = ChildTaskStatus.Running };

    /// <summary>Records the optional name and spawn site. Called once, right after construction.</summary>
    internal void Describe(string? name, string? spawnSite)
    {
        if (name is null && spawnSite is null) return;
        var cold = EnsureCold();
        cold.Name = name;
        cold.SpawnSite = spawnSite;
    }

    /// <summary>Puts the child on the loop's run queue.</summary>
    internal void EnqueueStart() => Manager.Loop.Enqueue(new WorkItem(s_start, this, Context));

    /// <summary>The scheduled start time has come: start on this turn's run queue.</summary>
    void ITimerTarget.OnTimer() => EnqueueStart();

    /// <summary>
    /// Requests cancellation (from <see cref="Cancel"/> or pushed down by a manager). Idempotent. Loop thread only.
    /// </summary>
    internal void RequestCancel()
    {
        if (_cancelRequested || IsEnded) return;
        _cancelRequested = true;
        Manager.Loop.Trace?.CancelRequested(this);
        if (_status == ChildTaskStatus.Scheduled)
        {
            // Not started: it ends Cancelled right now and its body never runs (a spawned child's start item
            // finds it ended; a scheduled child leaves the timer heap). Waiters are told on a later turn, because
            // this runs inside the caller's Cancel() and their continuations must not run in the middle of it.
            Manager.Loop.Timers.Remove(this);
            _work = null;
            _executionContext = null;
            End(ChildTaskStatus.Cancelled, null, notifyLater: true);
            return;
        }
        CancelCheckpoints();
        if (_cold?.NestedManagers is { } nested)
        {
            // Index loop from the end: a manager may close (and leave the list) while being cancelled.
            for (var i = nested.Count - 1; i >= 0; i--)
            {
                if (i < nested.Count) nested[i].CancelCore();
            }
        }
        if (_cold?.Cancellation is { } source) Manager.CancelSource(source);
    }

    /// <summary>Registers a sleep so that cancelling this child can abort it.</summary>
    internal void TrackCheckpoint(SleepOperation op)
    {
        op.Next = _checkpoints;
        if (_checkpoints is not null) _checkpoints.Previous = op;
        _checkpoints = op;
    }

    /// <summary>Forgets a sleep that ended. Harmless for a sleep that is not tracked.</summary>
    internal void UntrackCheckpoint(SleepOperation op)
    {
        if (op.Previous is not null) op.Previous.Next = op.Next;
        else if (_checkpoints == op) _checkpoints = op.Next;
        else return;
        if (op.Next is not null) op.Next.Previous = op.Previous;
        op.Previous = op.Next = null;
    }

    /// <summary>Records a manager created inside this child's code, so cancelling the child reaches it.</summary>
    internal void AddNestedManager(TaskManager manager) => (EnsureCold().NestedManagers ??= []).Add(manager);

    /// <summary>Forgets a nested manager once it has joined.</summary>
    internal void RemoveNestedManager(TaskManager manager) => _cold?.NestedManagers?.Remove(manager);

    /// <summary>
    /// The loop stopped (its main task completed) while this child was still live: it ends Cancelled without
    /// running any more of its code, so nobody waiting on its <see cref="Completion"/> from another thread is left
    /// waiting forever. The managers it opened are abandoned with it.
    /// </summary>
    internal void Abandon()
    {
        if (_cold?.NestedManagers is { } nested)
        {
            foreach (var manager in nested.ToArray()) manager.Abandon();
        }
        if (IsEnded) return;
        _cancelRequested = true;
        _work = null;
        _executionContext = null;
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
        var failure = Failures.Of(ended);
        return reported.Any(r => ReferenceEquals(r, failure));
    }

    /// <summary>Ends a RunAsync body scope: its leftover sleeps are cancelled, like a child's.</summary>
    internal void EndBodyScope(ChildTaskStatus status, Exception? failure)
    {
        if (failure is not null) EnsureCold().Failure = failure;
        _status = status;
        CancelCheckpoints();
        Manager.Loop.Trace?.Ended(this);
    }

    /// <summary>Invokes the body with its token if it takes one.</summary>
    private protected virtual Task InvokeBodyAsync(object body) => body switch
    {
        Func<CancellationToken, Task> withToken => withToken(Token),
        _ => ((Func<Task>)body)(),
    };

    /// <summary>Stores the result of a body task that ran to completion.</summary>
    private protected virtual void StoreResult(Task completed)
    {
    }

    /// <summary>A new, not yet completed source for <see cref="Completion"/>.</summary>
    private protected virtual object CreateCompletionSource() => new TaskCompletionSource();

    /// <summary>The task of a source made by <see cref="CreateCompletionSource"/>.</summary>
#pragma warning disable VSTHRD200 // Returns an existing task; it is not an asynchronous operation itself.
    private protected virtual Task TaskOf(object source) => ((TaskCompletionSource)source).Task;
#pragma warning restore VSTHRD200

    /// <summary>Completes a source made by <see cref="CreateCompletionSource"/> from the child's final state. Idempotent, any thread.</summary>
    private protected virtual void CompleteSource(object source)
    {
        var tcs = (TaskCompletionSource)source;
        switch (_status)
        {
            case ChildTaskStatus.Completed:
                tcs.TrySetResult();
                break;
            case ChildTaskStatus.Cancelled:
                tcs.TrySetCanceled(CancelledToken);
                break;
            default:
                if (tcs.TrySetException(Exception!)) MarkObserved(tcs.Task);
                break;
        }
    }

    /// <summary>
    /// The failure reaches the user through the manager (DisposeAsync / RunAsync), so the completion task's
    /// copy must not also be reported as unobserved when nobody awaits it.
    /// </summary>
    private protected static void MarkObserved(Task task) => _ = task.Exception;

    private ChildTaskColdState EnsureCold()
    {
        var cold = Volatile.Read(ref _cold);
        if (cold is not null) return cold;
        var created = new ChildTaskColdState();
        return Interlocked.CompareExchange(ref _cold, created, null) ?? created;
    }

#pragma warning disable VSTHRD200 // Returns an existing task; it is not an asynchronous operation itself.
    private Task GetCompletionTask()
#pragma warning restore VSTHRD200
    {
        var cold = EnsureCold();
        var source = Volatile.Read(ref cold.Completion);
        if (source is null)
        {
            var created = CreateCompletionSource();
            source = Interlocked.CompareExchange(ref cold.Completion, created, null) ?? created;
        }
        // The interlocked operations above are full fences, and End() fences between writing the final status and
        // looking for a source: whichever side comes second completes the source (completing is idempotent).
        if (IsEnded) CompleteSource(source);
        return TaskOf(source);
    }

    private void Start()
    {
        if (_status != ChildTaskStatus.Scheduled) return; // cancelled before its turn: it has ended already
        _status = ChildTaskStatus.Running;
        Manager.Loop.Trace?.Started(this);
        var context = _executionContext;
        _executionContext = null;
        if (context is null || context == ExecutionContext.Capture()) InvokeBodyAndObserve();
        else ExecutionContext.Run(context, s_startInContext, this);
    }

    private void InvokeBodyAndObserve()
    {
        var body = _work!;
        _work = null;
        Task? task;
        try
        {
            task = InvokeBodyAsync(body);
        }
        catch (Exception e)
        {
            // A body that throws before returning a task fails (or, once cancelled, cancels) the child the same way.
            if (_cancelRequested && e is OperationCanceledException) End(ChildTaskStatus.Cancelled, null);
            else End(ChildTaskStatus.Faulted, e);
            return;
        }
        if (task is null)
        {
            End(ChildTaskStatus.Faulted, new InvalidOperationException($"The body of child #{Id} returned null instead of a Task."));
            return;
        }
        if (task.IsCompleted)
        {
            Observe(task);
            return;
        }
        _work = task;
        // The shared continuation must capture this child's context (the body may have left another one current).
        // Under it, the runtime runs the continuation inline when the body's last step completes in this child's
        // own turn (the usual case) and posts it to the loop otherwise: another child, a timer, a thread-pool
        // thread after ConfigureAwait(false). Never ConfigureAwait(false) here: with a custom context current, the
        // runtime refuses to inline such a continuation and sends it through the thread pool, which would let a
        // virtual clock jump ahead before the child's end is seen.
        SynchronizationContext.SetSynchronizationContext(Context);
        task.GetAwaiter().UnsafeOnCompleted(s_onBodyCompleted);
    }

    private void ObserveBody()
    {
        if (_work is not Task task) return;
        _work = null;
        Observe(task);
    }

    private void Observe(Task task)
    {
        if (task.IsCompletedSuccessfully)
        {
            StoreResult(task);
            End(ChildTaskStatus.Completed, null);
        }
        else if (_cancelRequested && Failures.IsCancellation(task) && !Carries(task))
        {
            End(ChildTaskStatus.Cancelled, null);
        }
        else
        {
            End(ChildTaskStatus.Faulted, Failures.Of(task));
        }
    }

    private void End(ChildTaskStatus status, Exception? failure, bool notifyLater = false)
    {
        Debug.Assert(!IsEnded, "A child ends exactly once.");
        if (failure is not null) EnsureCold().Failure = failure;
        _status = status;
        // Pairs with the fences in GetCompletionTask: a source installed concurrently is either seen here or sees the final status.
        Interlocked.MemoryBarrier();
        // Nothing a child started outlives it: leftover sleeps (say, the loser of a WhenAny) are cancelled.
        CancelCheckpoints();
        Manager.Loop.Trace?.Ended(this);
        NurseryTelemetry.RecordEnd(Manager.Loop, status);
        Manager.OnChildEnded(this);
        if (notifyLater) Manager.Loop.Enqueue(new WorkItem(s_notifyEnded, this, Manager.Loop.RootContext));
        else NotifyEnded();
    }

    /// <summary>Completes <see cref="Completion"/> if someone asked for it.</summary>
    private void NotifyEnded()
    {
        if (Volatile.Read(ref _cold) is { } cold && Volatile.Read(ref cold.Completion) is { } source) CompleteSource(source);
    }

    /// <summary>
    /// Children are numbered per loop, so hashing by id makes <see cref="TaskManager.Values"/> (a hash-ordered
    /// ImmutableDictionary) enumerate in spawn order, the same on every run. Equality stays reference equality.
    /// </summary>
    /// <returns>The child's <see cref="Id"/>.</returns>
    public override int GetHashCode() => Id;

    private void CancelCheckpoints()
    {
        while (_checkpoints is { } op) op.Cancel(byToken: false);
    }
}
