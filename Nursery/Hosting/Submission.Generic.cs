namespace Nursery;

/// <summary>A submission with a result (see <see cref="Submission"/>).</summary>
/// <typeparam name="T">The work's result type.</typeparam>
internal sealed class Submission<T>(HostScope scope, TaskManager root, Func<CancellationToken, Task<T>> work, CancellationToken callerToken)
    : Submission(scope, root, work, callerToken)
{
    /// <summary>The caller's task. Its continuations never run inline on the loop thread.</summary>
    private readonly TaskCompletionSource<T> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The task <c>Submit</c> returned.</summary>
    public Task<T> Outcome => _outcome.Task;

    /// <inheritdoc />
    public override void CancelOutcome() => _outcome.TrySetCanceled();

    /// <inheritdoc />
    private protected override void CancelOutcome(CancellationToken token) => _outcome.TrySetCanceled(token);

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
