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

    /// <summary>The scheduled start time has come: start on this turn's run queue.</summary>
    void ITimerTarget.OnTimer() => EnqueueStart();

    /// <summary>Ends a RunAsync body scope: its leftover sleeps are cancelled, like a child's.</summary>
    internal void EndBodyScope(ChildTaskStatus status, Exception? failure)
    {
        if (failure is not null) EnsureCold().Failure = failure;
        _status = status;
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
            // A body that throws before returning a task ends the child the same way a failed task would.
            task = Task.FromException(e);
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
        else if (TaskOutcomes.IsCancellation(task) && !Carries(task) && (Context.IsCancelled || Manager.ClaimsOutsideCancellation(task)))
        {
            // Cancelled by the tree above it: not a failure. (An OperationCanceledException that carries the outside
            // token of an enclosing manager is that manager's cancellation, even if it outran the token's callback.)
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
        _status = status;
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
}
