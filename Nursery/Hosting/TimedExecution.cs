namespace Nursery;

/// <summary>
/// One <see cref="Dispatcher.Execute{T}"/> with a timeout: the work runs in a manager whose scope has the deadline, so
/// the work has been cancelled and has ended (its cleanup has run) before the timeout is reported.
/// </summary>
/// <typeparam name="T">The work's result type.</typeparam>
/// <param name="work">The caller's work.</param>
/// <param name="deadline">When the work must have ended, on the loop's clock (set when Execute was called).</param>
/// <param name="timeout">The caller's timeout, for the message.</param>
internal sealed class TimedExecution<T>(Func<CancellationToken, Task<T>> work, TimeSpan deadline, TimeSpan timeout)
{
    /// <summary>Runs the work on the loop under the deadline; the token fires when the dispatcher is disposed.</summary>
    public async Task<T> RunAsync(CancellationToken cancellationToken)
    {
        ChildTask<T>? child = null;
        TaskManager? manager = null;
        await TaskManager.RunAsync(
            async m =>
            {
                manager = m;
                child = m.Spawn(work);
                // The work gets to start even when the loop reaches it after the deadline (a slow start): then its first
                // checkpoint sees the timeout, and work that ignores it still delivers its result. One yield is not enough
                // to be sure it has started: under a schedule seed this code may come before the child's start in the
                // same batch (and a deadline already past would then cancel a child that never ran).
                while (child.Status == ChildTaskStatus.Scheduled) await EventLoop.Yield();
                m.CancelScope.Deadline = deadline;
            },
            cancellationToken);
        // The manager has joined: the work has ended, whatever its outcome (its failures were rethrown above, and a
        // disposed dispatcher's token would have ended RunAsync with its cancellation).
        if (child!.Status == ChildTaskStatus.Completed) return child.Result;
        throw new TimeoutException(
            $"The work did not finish within the timeout of {timeout} ({manager!.CancelScope.CancelReason}). It was cancelled " +
            "and has ended (its cleanup has run).");
    }
}
