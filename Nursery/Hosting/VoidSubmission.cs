namespace Nursery;

/// <summary>A submission without a result (see <see cref="Submission"/>).</summary>
internal sealed class VoidSubmission(HostScope scope, TaskManager root, Func<CancellationToken, Task> work, CancellationToken callerToken)
    : Submission(scope, root, work, callerToken)
{
    /// <summary>The caller's task. Its continuations never run inline on the loop thread.</summary>
    private readonly TaskCompletionSource _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The task <c>Submit</c> returned.</summary>
    public Task Outcome => _outcome.Task;

    /// <inheritdoc />
    public override void CancelOutcome() => _outcome.TrySetCanceled();

    /// <inheritdoc />
    private protected override void CancelOutcome(CancellationToken token) => _outcome.TrySetCanceled(token);

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
