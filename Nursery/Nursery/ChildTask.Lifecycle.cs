using System.Diagnostics;

namespace Nursery;

// A child's life on the loop: started from the run queue (or its timer), its body invoked inside the spawner's
// ExecutionContext, its body's task observed by one shared continuation, and its end recorded once.
public partial class ChildTask
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
        var owner = (SynchronizationContext.Current as ChildContext)?.Owner;
        Debug.Assert(owner is not null, "A body's completion callback runs under its child's context.");
        owner?.ObserveBody();
    };

    /// <summary>Tells waiters that a child ended, on a later turn (see <see cref="OnCancelled"/>).</summary>
    private static readonly SendOrPostCallback s_notifyEnded = static state => ((ChildTask)state!).NotifyEnded();

    /// <summary>Puts the child on the loop's run queue.</summary>
    internal void EnqueueStart() => Manager.Loop.Enqueue(new WorkItem(s_start, this, Context));

    /// <summary>The scheduled start time has come: start on this turn's run queue, or wait for a slot under a limit.</summary>
    void ITimerTarget.OnTimer() => Manager.StartOrWait(this);

    /// <summary>Ends a RunAsync body scope: its leftover sleeps are cancelled, like a child's.</summary>
    internal void EndBodyScope(ChildTaskStatus status, Exception? failure)
    {
        if (failure is not null) EnsureCold().Failure = failure;
        _status = (byte)status;
        Context.CancelSleeps();
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
    private protected virtual object CreateCompletionSource() => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The task of a source made by <see cref="CreateCompletionSource"/>.</summary>
#pragma warning disable VSTHRD200 // Returns an existing task; it is not an asynchronous operation itself.
    private protected virtual Task TaskOf(object source) => ((TaskCompletionSource)source).Task;
#pragma warning restore VSTHRD200

    /// <summary>Completes a source made by <see cref="CreateCompletionSource"/> from the child's final state. Idempotent, any thread.</summary>
    private protected virtual void CompleteSource(object source)
    {
        var tcs = (TaskCompletionSource)source;
        switch (Status)
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
        if (Status != ChildTaskStatus.Scheduled) return; // cancelled before its turn: it has ended already
        _status = (byte)ChildTaskStatus.Running;
        Manager.Loop.Trace?.Started(this);
        var context = (ExecutionContext?)_startContextOrTokenSource;
        _startContextOrTokenSource = null;
        if (context is null || context == ExecutionContext.Capture()) InvokeBodyAndObserve();
        else ExecutionContext.Run(context, s_startInContext, this);
    }

    private void InvokeBodyAndObserve()
    {
        var body = _work!;
        _work = null;
        _watch = BodyWatch.Starting;
        Task? task;
        try
        {
            task = InvokeBodyAsync(body);
        }
        catch (Exception e)
        {
            // A body that throws before returning a task ends the child the same way a failed task would.
            task = Task.FromException(e);
        }
        // What the body parked on a checkpoint during its synchronous start, if anything (see NoteAwaiting).
        var parked = _work;
        _work = null;
        _watch = BodyWatch.Running;
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
        if (ReferenceEquals(parked, task))
        {
            // The body itself awaits a checkpoint: it resumes in the checkpoint's run-queue item, which looks for its end.
            _watch = BodyWatch.Parked;
            return;
        }
        WatchBodyTask(task);
    }

    /// <summary>
    /// Notes that an async method of this child's code awaits a checkpoint, which resumes it from a run-queue item under
    /// this child's context; <paramref name="box"/> is the method's state machine box, which is its task. When that is
    /// the body's own task, the body can make progress only through that item, so the item (rather than a continuation
    /// on the body's task, which the runtime would wrap in an object per child) looks for the body's end right after
    /// the step (<see cref="BeginBodyStep"/>, <see cref="EndBodyStep"/>). Once the body awaits anything else, its task
    /// gets the continuation for good. Loop thread only.
    /// </summary>
    internal void NoteAwaiting(object? box)
    {
        switch (_watch)
        {
            case BodyWatch.Starting when _work is null:
                // The body has not returned its task yet: remember the first box, it may turn out to be the body's.
                _work = box;
                break;
            case BodyWatch.Running when ReferenceEquals(_work, box):
                _watch = BodyWatch.Parked;
                break;
        }
    }

    /// <summary>Whether the body's own task is parked on a checkpoint as <paramref name="box"/>.</summary>
    internal bool IsParkedOn(object? box) => _watch == BodyWatch.Parked && ReferenceEquals(_work, box);

    /// <summary>The body resumes from the checkpoint it was parked on.</summary>
    internal void BeginBodyStep() => _watch = BodyWatch.Running;

    /// <summary>
    /// The body's step has run: it has ended (observe it now, as the continuation would have, in the same turn), parked on
    /// a checkpoint again, or awaits something else (from now on a continuation watches its task).
    /// </summary>
    internal void EndBodyStep()
    {
        if (_watch != BodyWatch.Running || _work is not Task task) return;
        if (task.IsCompleted) ObserveBody();
        else WatchBodyTask(task);
    }

    /// <summary>Has the shared continuation watch the body's task until it completes.</summary>
    private void WatchBodyTask(Task task)
    {
        _watch = BodyWatch.Continuation;
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

    /// <summary>Turns the body's completed task into the child's final status.</summary>
    private void Observe(Task task)
    {
        ChildTaskStatus status;
        Exception? failure = null;
        if (task.IsCompletedSuccessfully)
        {
            StoreResult(task);
            status = ChildTaskStatus.Completed;
        }
        else if (TaskOutcomes.IsCancellation(task) && ((!Carries(task) && Context.IsCancelled) || Manager.ClaimsOutsideCancellation(task)))
        {
            // Cancelled by the tree above it: not a failure. (An OperationCanceledException that carries the outside
            // token of an enclosing manager is that manager's cancellation, even if it outran the token's callback, and
            // even when a nested join threw it: that join was cancelled by the same token.)
            status = ChildTaskStatus.Cancelled;
        }
        else
        {
            status = ChildTaskStatus.Faulted;
            failure = TaskOutcomes.Of(task);
        }
        // A manager the body opened and never joined: its children are cancelled and joined by this child's manager,
        // and the child fails with an error that says so (its own failure, if it had one, comes first).
        if (TaskManager.OrphanOpenManagers(Context, static self => $"child {self.Label}", this) is { } leaked && status != ChildTaskStatus.Faulted)
        {
            status = ChildTaskStatus.Faulted;
            failure = leaked;
        }
        End(status, failure);
    }

    private void End(ChildTaskStatus status, Exception? failure, bool notifyLater = false)
    {
        Debug.Assert(!IsEnded, "A child ends exactly once.");
        if (failure is not null) EnsureCold().Failure = failure;
        _spawnedAt = Manager.Loop.Now; // from now on the end time (see the field)
        _status = (byte)status;
        // Pairs with the fences in GetCompletionTask: a source installed concurrently is either seen here or sees the final status.
        Interlocked.MemoryBarrier();
        // Nothing a child started outlives it: leftover sleeps (say, the loser of a WhenAny) are cancelled.
        Context.CancelSleeps();
        Manager.Loop.Trace?.Ended(this);
        NurseryTelemetry.RecordEnd(Manager.Loop, status);
        Manager.OnChildEnded(this);
        if (notifyLater) Manager.Loop.Enqueue(new WorkItem(s_notifyEnded, this, Manager.Loop.RootContext));
        else NotifyEnded();
    }

    /// <summary>Completes <see cref="Completion"/> if someone asked for it, and a StartAsync still waiting for this child.</summary>
    private void NotifyEnded()
    {
        if (Volatile.Read(ref _cold) is not { } cold) return;
        if (Volatile.Read(ref cold.Completion) is { } source) CompleteSource(source);
        if (cold.Start is { } start)
        {
            cold.Start = null;
            start.OnChildEnded();
        }
    }

    /// <summary>How the end of a started body is watched for.</summary>
    private enum BodyWatch : byte
    {
        /// <summary>Not started, or between steps inside a run-queue item that looks for the end afterwards.</summary>
        Running,

        /// <summary>The body is running its synchronous start (see <see cref="NoteAwaiting"/>).</summary>
        Starting,

        /// <summary>The body's own task awaits a checkpoint, whose run-queue item looks for the end after the step.</summary>
        Parked,

        /// <summary>A continuation on the body's task watches it.</summary>
        Continuation,
    }
}
