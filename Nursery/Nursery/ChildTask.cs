using System.Diagnostics;

namespace Nursery;

/// <summary>
/// A handle to one child of a <see cref="TaskManager"/>: its status, its failure, its own cancellation, and a
/// <see cref="Completion"/> task to join it individually.
/// </summary>
/// <remarks>
/// <para>
/// The handle is also the child's whole state: the run-queue item that starts it, its timer when scheduled,
/// its list of pending checkpoints, and (only if asked for) its cancellation source and completion task.
/// Children that never ask for a token or a completion task cost no <see cref="CancellationTokenSource"/>
/// and no <see cref="TaskCompletionSource"/>.
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

    /// <summary>Brings the end of a body that completed on another thread back to the loop.</summary>
    private static readonly SendOrPostCallback s_observeOnLoop = static state => ((ChildTask)state!).OnBodyCompleted();

    /// <summary>Stored in <see cref="_completion"/> once the child has ended and nobody had asked for <see cref="Completion"/>.</summary>
    private static readonly object s_ended = new();

    /// <summary>What the body's token is when the child is already cancelled and has no source of its own.</summary>
    private static readonly CancellationToken s_cancelledToken = new(canceled: true);

    /// <summary>The user's body until the child starts; null afterwards so the closure can be collected. Loop thread only.</summary>
    private object? _body;

    /// <summary>The ExecutionContext at spawn time (AsyncLocal values flow into the child); null once started.</summary>
    private ExecutionContext? _executionContext;

    /// <summary>The body's task while the loop waits for it to complete. Loop thread (and the completing thread, once).</summary>
    private Task? _bodyTask;

    /// <summary>Current status; written on the loop thread, read anywhere.</summary>
    private volatile ChildTaskStatus _status;

    /// <summary>The failure when <see cref="ChildTaskStatus.Faulted"/>. Written before <see cref="_status"/>.</summary>
    private Exception? _exception;

    /// <summary>Cancellation has been requested for this child, directly or from an enclosing manager. Loop thread only.</summary>
    private bool _cancelRequested;

    /// <summary>Created only when the body asks for a token. Loop thread only.</summary>
    private CancellationTokenSource? _cancellation;

    /// <summary>Head of the list of this child's pending sleeps, so cancellation can abort them. Loop thread only.</summary>
    private SleepOperation? _checkpoints;

    /// <summary>Managers created inside this child's code that are still open. Loop thread only.</summary>
    private List<TaskManager>? _nestedManagers;

    /// <summary>null, a TaskCompletionSource made on request, or <see cref="s_ended"/>. Swapped with interlocked operations.</summary>
    private object? _completion;

    /// <summary>Slot in the loop's timer heap while scheduled; -1 otherwise. Loop thread only.</summary>
    private int _timerIndex = -1;

    private protected ChildTask(TaskManager manager, int id, object? body)
    {
        Manager = manager;
        Id = id;
        _body = body;
        Context = new LoopSynchronizationContext(manager.Loop, this);
        _executionContext = body is null ? null : ExecutionContext.Capture();
    }

    internal ChildTask(TaskManager manager, int id, Func<Task> body)
        : this(manager, id, (object)body)
    {
    }

    internal ChildTask(TaskManager manager, int id, Func<CancellationToken, Task> body)
        : this(manager, id, (object)body)
    {
    }

    /// <summary>Creates the state that runs a <see cref="TaskManager.RunAsync"/> body: a child that is not listed in the manager.</summary>
    internal static ChildTask CreateBodyScope(TaskManager manager, int id) =>
        new(manager, id, (object?)null) { _status = ChildTaskStatus.Running };

    /// <summary>A number that identifies this child among all children of its loop.</summary>
    public int Id { get; }

    /// <summary>Where the child is in its life: Scheduled, Running, then Completed, Faulted or Cancelled.</summary>
    public ChildTaskStatus Status => _status;

    /// <summary>The exception the child failed with when <see cref="Status"/> is <see cref="ChildTaskStatus.Faulted"/>; otherwise null.</summary>
    public Exception? Exception => _status == ChildTaskStatus.Faulted ? _exception : null;

    /// <summary>
    /// A task that ends when the child ends: successfully when it completed, with the child's own exception
    /// object when it faulted, and cancelled when it was cancelled. Awaiting it does not cancel anything.
    /// </summary>
    public Task Completion => GetCompletionTask();

    /// <summary>The manager this child belongs to.</summary>
    internal TaskManager Manager { get; }

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
            if (_cancellation is not null) return _cancellation.Token;
            if (_cancelRequested) return s_cancelledToken;
            _cancellation = new CancellationTokenSource();
            return _cancellation.Token;
        }
    }

    /// <summary>Whether the body asked for a token (and so has a cancellation source of its own).</summary>
    internal bool HasOwnToken => _cancellation is not null;

    /// <summary>The token that cancelled checkpoints report: the child's own if it has one.</summary>
    internal CancellationToken CancelledToken => _cancellation?.Token ?? s_cancelledToken;

    /// <inheritdoc />
    int ITimerTarget.TimerIndex
    {
        get => _timerIndex;
        set => _timerIndex = value;
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
        if (_status == ChildTaskStatus.Scheduled)
        {
            // Not started: a scheduled child leaves the heap and starts now, which ends it Cancelled without
            // running its body. A spawned child is already on the run queue and does the same on its turn.
            if (_timerIndex >= 0)
            {
                Manager.Loop.Timers.Remove(this);
                EnqueueStart();
            }
            return;
        }
        CancelCheckpoints();
        if (_nestedManagers is { } nested)
        {
            // Index loop: a manager may close (and leave the list) while being cancelled.
            for (var i = nested.Count - 1; i >= 0; i--)
            {
                if (i < nested.Count) nested[i].CancelCore();
            }
        }
        if (_cancellation is { } source) Manager.CancelSource(source);
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
    internal void AddNestedManager(TaskManager manager) => (_nestedManagers ??= []).Add(manager);

    /// <summary>Forgets a nested manager once it has joined.</summary>
    internal void RemoveNestedManager(TaskManager manager) => _nestedManagers?.Remove(manager);

    /// <summary>Ends a RunAsync body scope: its leftover sleeps are cancelled, like a child's.</summary>
    internal void EndBodyScope(ChildTaskStatus status)
    {
        _status = status;
        CancelCheckpoints();
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

    /// <summary>Completes a source made by <see cref="CreateCompletionSource"/> from the child's final state.</summary>
#pragma warning restore VSTHRD200
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
                tcs.TrySetException(_exception!);
                MarkObserved(tcs.Task);
                break;
        }
    }

    /// <summary>
    /// The failure reaches the user through the manager (DisposeAsync / RunAsync), so the completion task's
    /// copy must not also be reported as unobserved when nobody awaits it.
    /// </summary>
    private protected static void MarkObserved(Task task) => _ = task.Exception;

#pragma warning disable VSTHRD200 // Returns an existing task; it is not an asynchronous operation itself.
    private Task GetCompletionTask()
    {
        while (true)
        {
            var current = Volatile.Read(ref _completion);
            if (current is not null && current != s_ended) return TaskOf(current);
            var source = CreateCompletionSource();
            if (current == s_ended) CompleteSource(source); // the child has ended: a finished task, built once
            if (Interlocked.CompareExchange(ref _completion, source, current) == current) return TaskOf(source);
        }
    }

#pragma warning restore VSTHRD200

    private void Start()
    {
        if (_status != ChildTaskStatus.Scheduled) return;
        if (_cancelRequested)
        {
            _body = null;
            _executionContext = null;
            End(ChildTaskStatus.Cancelled, null);
            return;
        }
        _status = ChildTaskStatus.Running;
        var context = _executionContext;
        _executionContext = null;
        if (context is null || context == ExecutionContext.Capture()) InvokeBodyAndObserve();
        else ExecutionContext.Run(context, s_startInContext, this);
    }

    private void InvokeBodyAndObserve()
    {
        var body = _body!;
        _body = null;
        Task? task;
        try
        {
            task = InvokeBodyAsync(body);
        }
        catch (Exception e)
        {
            // A body that throws before returning a task fails the child the same way.
            EndAfterFailure(e);
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
        _bodyTask = task;
        // Registered under the child's own context: when the body's last step completes under it (the usual
        // case) the callback runs inline; from anywhere else (another child, a thread-pool thread after a
        // ConfigureAwait(false)) it is posted to the loop. ConfigureAwait(false) here would be worse: with a
        // custom context current, the runtime refuses to inline it and sends it through the thread pool,
        // which lets a virtual clock jump ahead before the child's end is seen.
        task.GetAwaiter().UnsafeOnCompleted(OnBodyCompleted);
    }

    private void OnBodyCompleted()
    {
        if (EventLoop.Current != Manager.Loop)
        {
            Manager.Loop.Post(new WorkItem(s_observeOnLoop, this, Context));
            return;
        }
        var task = _bodyTask!;
        _bodyTask = null;
        Observe(task);
    }

    private void Observe(Task task)
    {
        if (task.IsCompletedSuccessfully)
        {
            StoreResult(task);
            End(ChildTaskStatus.Completed, null);
        }
        else if (_cancelRequested && Failures.IsCancellation(task))
        {
            End(ChildTaskStatus.Cancelled, null);
        }
        else
        {
            End(ChildTaskStatus.Faulted, Failures.Of(task));
        }
    }

    private void EndAfterFailure(Exception e)
    {
        if (_cancelRequested && e is OperationCanceledException) End(ChildTaskStatus.Cancelled, null);
        else End(ChildTaskStatus.Faulted, e);
    }

    private void End(ChildTaskStatus status, Exception? failure)
    {
        Debug.Assert(!IsEnded, "A child ends exactly once.");
        _exception = failure;
        _status = status;
        // Nothing a child started outlives it: leftover sleeps (say, the loser of a WhenAny) are cancelled.
        CancelCheckpoints();
        Manager.OnChildEnded(this);
        // Either nobody asked for Completion yet (mark the child ended, later readers build a finished task),
        // or a reader installed a source first and it is completed here. Exactly one of the two CASes wins.
        var source = Interlocked.CompareExchange(ref _completion, s_ended, null);
        if (source is not null) CompleteSource(source);
    }

    private void CancelCheckpoints()
    {
        var token = CancelledToken;
        while (_checkpoints is { } op) op.Cancel(token);
    }
}
