namespace Nursery;

/// <summary>
/// One work item submitted to a loop host: it waits in the host's queue, runs as a child of the host's root
/// manager, and mirrors the end of the work into the task that <c>Submit</c> returned.
/// </summary>
/// <remarks>
/// The child's body is a wrapper that never fails: the work's exception goes into the caller's task, not into the
/// root manager, so one failing work item cannot cancel its siblings (a host is a supervisor). Cancellation still
/// flows the normal way: the work gets the child's token, and its checkpoints observe the child's cancellation.
/// A submission that never gets to run (the host stopped first) is cancelled by the host.
/// </remarks>
internal abstract class Submission
{
    /// <summary>Spawns the child inside the submitter's ExecutionContext, so the child captures it.</summary>
    private static readonly ContextCallback s_spawnInContext = static state => ((Submission)state!).SpawnHere();

    /// <summary>The host scope that admitted this submission.</summary>
    private readonly HostScope _scope;

    /// <summary>The submitter's ExecutionContext (AsyncLocal values flow into the work, as with Task.Run); null once spawned or when flow was suppressed.</summary>
    private ExecutionContext? _context;

    /// <summary>Neighbours in the scope's list of admitted submissions that have not ended. Loop thread only.</summary>
    internal Submission? Previous, Next;

    protected Submission(HostScope scope)
    {
        _scope = scope;
        _context = ExecutionContext.Capture();
    }

    /// <summary>Starts the work as a child of the root manager (on a later turn, like any spawn). Loop thread only.</summary>
    public void Spawn()
    {
        var context = _context;
        _context = null;
        if (context is null || context == ExecutionContext.Capture()) SpawnHere();
        else ExecutionContext.Run(context, s_spawnInContext, this);
    }

    /// <summary>Ends the caller's task as cancelled: the host stopped before the work could end. Any thread.</summary>
    public abstract void Cancel();

    /// <summary>Invokes the user's work with the child's token.</summary>
    private protected abstract Task? InvokeWorkAsync(CancellationToken cancellationToken);

    /// <summary>Completes the caller's task from the work's completed task: same result, exceptions or cancellation.</summary>
    private protected abstract void CompleteFrom(Task work);

    /// <summary>
    /// Completes the caller's task from an exception the work threw before returning a task, the way an async
    /// method would have ended: cancelled for an <see cref="OperationCanceledException"/>, faulted otherwise.
    /// </summary>
    private protected abstract void CompleteFrom(Exception failure);

    private void SpawnHere() => _scope.Root.Spawn(RunAsync);

    /// <summary>The child's body: runs the work and reports its end to the caller. Never fails the child.</summary>
    private Task RunAsync(CancellationToken cancellationToken)
    {
        Task? work;
        try
        {
            work = InvokeWorkAsync(cancellationToken);
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
