namespace Nursery;

/// <summary>A submitted work item without a result.</summary>
internal sealed class VoidSubmission(HostScope scope, TaskManager root, Func<CancellationToken, Task> work) : Submission(scope, root, work)
{
    /// <summary>The caller's task. Continuations run asynchronously, never inside the loop's bookkeeping.</summary>
    private readonly TaskCompletionSource _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The task <c>Submit</c> returns.</summary>
    public Task Outcome => _outcome.Task;

    /// <inheritdoc />
    public override void CancelOutcome() => _outcome.TrySetCanceled();

    /// <inheritdoc />
    private protected override Task? InvokeWorkAsync(object work, CancellationToken cancellationToken) =>
        ((Func<CancellationToken, Task>)work)(cancellationToken);

    /// <inheritdoc />
    private protected override void CompleteFrom(Task work) => _outcome.TrySetFromTask(work);

    /// <inheritdoc />
    private protected override void CompleteFrom(Exception failure)
    {
        if (failure is OperationCanceledException cancelled) _outcome.TrySetCanceled(cancelled.CancellationToken);
        else _outcome.TrySetException(failure);
    }
}
