namespace Nursery;

/// <summary>A submitted work item with a result of type <typeparamref name="T"/>.</summary>
/// <typeparam name="T">The work's result type.</typeparam>
internal sealed class Submission<T>(HostScope scope, TaskManager root, Func<CancellationToken, Task<T>> work) : Submission(scope, root, work)
{
    /// <summary>The caller's task. Continuations run asynchronously, never inside the loop's bookkeeping.</summary>
    private readonly TaskCompletionSource<T> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The task <c>Submit</c> returns.</summary>
    public Task<T> Outcome => _outcome.Task;

    /// <inheritdoc />
    public override void CancelOutcome() => _outcome.TrySetCanceled();

    /// <inheritdoc />
    private protected override Task? InvokeWorkAsync(object work, CancellationToken cancellationToken) =>
        ((Func<CancellationToken, Task<T>>)work)(cancellationToken);

    /// <inheritdoc />
    private protected override void CompleteFrom(Task work) => _outcome.TrySetFromTask((Task<T>)work);

    /// <inheritdoc />
    private protected override void CompleteFrom(Exception failure)
    {
        if (failure is OperationCanceledException cancelled) _outcome.TrySetCanceled(cancelled.CancellationToken);
        else _outcome.TrySetException(failure);
    }
}
