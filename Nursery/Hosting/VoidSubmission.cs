namespace Nursery;

/// <summary>A submitted work item without a result.</summary>
internal sealed class VoidSubmission(HostScope scope, Func<CancellationToken, Task> work) : Submission(scope)
{
    /// <summary>The caller's task. Continuations run asynchronously, never inside the loop's bookkeeping.</summary>
    private readonly TaskCompletionSource _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The task <c>Submit</c> returns.</summary>
    public Task Task => _outcome.Task;

    /// <inheritdoc />
    public override void Cancel() => _outcome.TrySetCanceled();

    /// <inheritdoc />
    private protected override Task? InvokeWorkAsync(CancellationToken cancellationToken) => work(cancellationToken);

    /// <inheritdoc />
    private protected override void CompleteFrom(Task work) => _outcome.TrySetFromTask(work);

    /// <inheritdoc />
    private protected override void CompleteFrom(Exception failure)
    {
        if (failure is OperationCanceledException cancelled) _outcome.TrySetCanceled(cancelled.CancellationToken);
        else _outcome.TrySetException(failure);
    }
}
