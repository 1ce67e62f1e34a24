namespace Nursery;

/// <summary>
/// One work item submitted to a loop host, and at the same time the child of the host's root manager that runs
/// it: it waits in the host's queue, runs as that child, and mirrors the end of the work into the task that
/// <c>Submit</c> returned. One object per submission (plus its context and the caller's task), no delegate.
/// </summary>
/// <remarks>
/// <para>
/// The child's body is a wrapper that never fails: the work's exception goes into the caller's task, not into the
/// root manager, so one failing work item cannot cancel its siblings (a host is a supervisor). Cancellation still
/// flows the normal way: the work gets the root manager's token (it fires when the host stops; there is no way to
/// cancel one submission alone), and its checkpoints observe the child's cancellation.
/// </para>
/// <para>
/// It is created on the submitting thread (capturing that thread's ExecutionContext, as <c>Task.Run</c> does) and
/// admitted on the loop thread. A submission that never gets to run (the host stopped first) is cancelled by the host.
/// </para>
/// </remarks>
internal abstract class Submission : ChildTask
{
    /// <summary>The host scope that accepted this submission.</summary>
    private readonly HostScope _scope;

    /// <summary>Neighbours in the scope's list of admitted submissions that have not ended. Loop thread only.</summary>
    internal Submission? PreviousAdmitted, NextAdmitted;

    protected Submission(HostScope scope, TaskManager root, object work)
        : base(root, root.Loop.NextId(), work)
    {
        _scope = scope;
    }

    /// <summary>Ends the caller's task as cancelled: the host stopped before the work could end. Any thread.</summary>
    public abstract void CancelOutcome();

    /// <summary>Invokes the user's work with the host's token.</summary>
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
            work = InvokeWorkAsync(body, Manager.Token);
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
        CompleteFrom(work);
        // The caller's task carries the failure now; the work's own task must not be reported again as unobserved.
        if (work.IsFaulted) _ = work.Exception;
    }

    private void End(Exception failure)
    {
        _scope.Forget(this);
        CompleteFrom(failure);
    }
}
