namespace Nursery;

/// <summary>
/// One work item submitted to a loop host, and at the same time the child of the host's root manager that runs
/// it: it waits in the host's queue, runs as that child, and mirrors the end of the work into the task that
/// <c>Submit</c> returned. One object per submission (plus its context, its token source and the caller's task).
/// </summary>
/// <remarks>
/// <para>
/// The child's body is a wrapper that never fails: the work's exception goes into the caller's task, not into the
/// root manager, so one failing work item cannot cancel its siblings (a host is a supervisor). Cancellation flows the
/// normal way: the work gets a token of its own, which fires when the host stops or the caller's token fires (so the
/// registrations a work item leaves on it go away with it, instead of piling up on a host-wide token), and its
/// checkpoints observe the child's cancellation.
/// </para>
/// <para>
/// It is created on the submitting thread (capturing that thread's ExecutionContext, as <c>Task.Run</c> does) and
/// admitted on the loop thread. A submission that never gets to run (the host stopped first, or the caller's token
/// fired) is cancelled by the host.
/// </para>
/// </remarks>
internal abstract class Submission : ChildTask
{
    /// <summary>Applies the caller's cancellation on the loop thread.</summary>
    private static readonly SendOrPostCallback s_callerCancelledOnLoop = static state => ((Submission)state!).OnCallerCancelled();

    /// <summary>Runs on whichever thread cancels the caller's token.</summary>
    private static readonly Action<object?> s_callerTokenFired = static state =>
    {
        var submission = (Submission)state!;
        var loop = submission.Manager.Loop;
        if (EventLoop.Current == loop) submission.OnCallerCancelled();
        else loop.Post(new WorkItem(s_callerCancelledOnLoop, submission, loop.RootContext));
    };

    /// <summary>The host scope that accepted this submission.</summary>
    private readonly HostScope _scope;

    /// <summary>The caller's token (default when none was given).</summary>
    private readonly CancellationToken _callerToken;

    /// <summary>The registration on <see cref="_callerToken"/>, released when the work ends.</summary>
    private CancellationTokenRegistration _registration;

    /// <summary>Whether the root manager has taken this submission. Loop thread only.</summary>
    private bool _admitted;

    /// <summary>The caller's token fired before the submission was admitted. Loop thread only.</summary>
    private bool _cancelledBeforeAdmission;

    /// <summary>Neighbours in the scope's list of admitted submissions that have not ended. Loop thread only.</summary>
    internal Submission? PreviousAdmitted, NextAdmitted;

    protected Submission(HostScope scope, TaskManager root, object work, CancellationToken callerToken)
        : base(root, root.Loop.NextId(), work)
    {
        _scope = scope;
        _callerToken = callerToken;
    }

    /// <summary>Ends the caller's task as cancelled: the host stopped before the work could end. Any thread.</summary>
    public abstract void CancelOutcome();

    /// <summary>Ends the caller's task as cancelled with the caller's own token. Any thread.</summary>
    private protected abstract void CancelOutcome(CancellationToken token);

    /// <summary>Starts watching the caller's token; called once the submission is queued (so a cancel follows the admission).</summary>
    public void WatchCallerToken()
    {
        if (_callerToken.CanBeCanceled) _registration = _callerToken.UnsafeRegister(s_callerTokenFired, this);
    }

    /// <summary>
    /// The root manager takes the submission (loop thread). Returns false when the caller's token fired first: then
    /// the work never runs and the caller's task ends cancelled.
    /// </summary>
    public bool TryAdmit()
    {
        if (_cancelledBeforeAdmission)
        {
            _registration.Unregister();
            CancelOutcome(_callerToken);
            return false;
        }
        _admitted = true;
        return true;
    }

    /// <summary>Invokes the user's work with the submission's own token.</summary>
    private protected abstract Task? InvokeWorkAsync(object work, CancellationToken cancellationToken);

    /// <summary>Completes the caller's task from the work's completed task: same result, exceptions or cancellation.</summary>
    private protected abstract void CompleteFrom(Task work);

    /// <summary>
    /// Completes the caller's task from an exception the work threw before returning a task, the way an async
    /// method would have ended: cancelled for an <see cref="OperationCanceledException"/>, faulted otherwise.
    /// </summary>
    private protected abstract void CompleteFrom(Exception failure);

    /// <summary>The child's body: runs the work and reports its end to the caller. Never fails the child.</summary>
    private protected sealed override Task InvokeBodyAsync(object body)
    {
        Task? work;
        try
        {
            work = InvokeWorkAsync(body, Token);
        }
        catch (Exception e)
        {
            End(e);
            return Task.CompletedTask;
        }
        if (work is null)
        {
            End(new InvalidOperationException("The work submitted to the loop host returned null instead of a Task."));
            return Task.CompletedTask;
        }
        if (work.IsCompleted)
        {
            End(work);
            return Task.CompletedTask;
        }
        return WaitThenEndAsync(work);
    }

    private void OnCallerCancelled()
    {
        if (!_admitted)
        {
            _cancelledBeforeAdmission = true; // the admission cancels it
            return;
        }
        if (IsEnded || IsCancellationRequested) return;
        CancelTree.Cancel(Context, CancelCause.Requested(Manager.Loop, $"the work submitted as child {Label}", "its submitter's CancellationToken was cancelled", "the submitter's CancellationToken"));
    }

    private async Task WaitThenEndAsync(Task work)
    {
        // Back under the child's own context (inline when the work completes on the loop, as usual): the child must
        // not end, and the host's join must not finish, before the caller's task has its outcome.
        await work.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        End(work);
    }

    private void End(Task work)
    {
        _scope.Forget(this);
        _registration.Unregister();
        // A manager the work opened and never joined: the caller hears about it (its children are joined by the host).
        if (TaskManager.OrphanOpenManagers(Context, static self => $"the work submitted as child {self.Label}", this) is { } leaked && !work.IsFaulted)
        {
            CompleteFrom(leaked);
        }
        else if (_callerToken.IsCancellationRequested && TaskOutcomes.IsCancellation(work))
        {
            CancelOutcome(_callerToken);
        }
        else
        {
            CompleteFrom(work);
        }
        // The caller's task carries the failure now; the work's own task must not be reported again as unobserved.
        if (work.IsFaulted) _ = work.Exception;
    }

    private void End(Exception failure)
    {
        _scope.Forget(this);
        _registration.Unregister();
        if (_callerToken.IsCancellationRequested && failure is OperationCanceledException) CancelOutcome(_callerToken);
        else CompleteFrom(failure);
    }
}
