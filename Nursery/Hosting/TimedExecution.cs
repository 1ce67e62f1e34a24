namespace Nursery;

/// <summary>
/// Runs one <see cref="Dispatcher.Execute{T}"/> call with a timeout, on the loop: the work is a child of a
/// <see cref="TaskManager"/> next to a timer child that cancels the manager at the deadline. Because the manager
/// joins, the outcome is known only once the work has ended, so a <see cref="TimeoutException"/> never reaches
/// the caller while the work's cleanup is still running.
/// </summary>
/// <typeparam name="T">The work's result type.</typeparam>
/// <param name="work">The caller's work.</param>
/// <param name="deadline">When the work must have ended, on the loop's clock (set when Execute was called).</param>
/// <param name="timeout">The caller's timeout, for the message.</param>
internal sealed class TimedExecution<T>(Func<CancellationToken, Task<T>> work, TimeSpan deadline, TimeSpan timeout)
{
    /// <summary>Set by the timer child when it cancels the work. Loop thread only.</summary>
    private bool _timedOut;

    /// <summary>The body of the submitted work item: runs the work under the deadline.</summary>
    public async Task<T> RunAsync(CancellationToken cancellationToken)
    {
        var loop = EventLoop.Current!;
        ChildTask<T>? child = null;
        await TaskManager.RunAsync(async manager =>
        {
            child = manager.Spawn(work);
            var remaining = deadline - loop.Now;
            var timer = manager.Schedule(
                () =>
                {
                    _timedOut = true;
                    manager.Cancel();
                    return Task.CompletedTask;
                },
                remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
            // A failing work item cancels the timer through the manager; one that ends in time cancels it here.
            await ((Task)child.Completion).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
            timer.Cancel();
        });
        // The manager has joined: the work has ended, whatever its outcome (its failures were rethrown above).
        if (child!.Status == ChildTaskStatus.Completed) return child.Result;
        if (_timedOut)
        {
            throw new TimeoutException(
                $"The work did not finish within the timeout of {timeout}. It was cancelled and has ended (its cleanup has run).");
        }
        // Cancelled from outside: the dispatcher is being disposed.
        throw new OperationCanceledException(cancellationToken);
    }
}
