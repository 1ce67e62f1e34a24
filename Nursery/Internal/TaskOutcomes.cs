namespace Nursery;

/// <summary>How failures are taken out of tasks and put back into the caller's hands.</summary>
internal static class TaskOutcomes
{
    /// <summary>
    /// The exception a failed or canceled task ended with, as the original object: the single inner exception,
    /// or the whole <see cref="AggregateException"/> when the task carries several (nothing is dropped).
    /// </summary>
    public static Exception Of(Task task)
    {
        if (task.IsCanceled)
        {
            // A canceled task keeps the OperationCanceledException it was canceled with; awaiting rethrows it.
            try
            {
#pragma warning disable VSTHRD002 // The task has already completed: this does not block.
                task.GetAwaiter().GetResult();
#pragma warning restore VSTHRD002
            }
            catch (OperationCanceledException e)
            {
                return e;
            }
            return new TaskCanceledException(task);
        }
        var aggregate = task.Exception!;
        return aggregate.InnerExceptions.Count == 1 ? aggregate.InnerExceptions[0] : aggregate;
    }

    /// <summary>A task that ended through cancellation: canceled, or faulted with nothing but cancellations.</summary>
    public static bool IsCancellation(Task task) =>
        task.IsCanceled || (task.IsFaulted && task.Exception!.InnerExceptions.All(static e => e is OperationCanceledException));

    /// <summary>One failure as itself, several as an <see cref="AggregateException"/> in order.</summary>
    public static Exception Combine(IReadOnlyList<Exception> failures) =>
        failures.Count == 1 ? failures[0] : new AggregateException(
            $"{failures.Count} failures occurred in a TaskManager; they are listed in the order they happened.", failures);

    /// <summary>
    /// The body's failure first, then the children's, leaving out children's failures the body already carries
    /// (a body that awaited the manager's DisposeAsync rethrew them itself): every failure is reported once.
    /// </summary>
    public static IReadOnlyList<Exception>? BodyFirst(Exception? body, IReadOnlyList<Exception>? children)
    {
        if (body is null) return children;
        var all = new List<Exception> { body };
        if (children is null) return all;
        foreach (var child in children)
        {
            var carried = ReferenceEquals(child, body) ||
                (body is AggregateException aggregate && aggregate.InnerExceptions.Any(inner => ReferenceEquals(inner, child)));
            if (!carried) all.Add(child);
        }
        return all;
    }

    /// <summary>
    /// A cancelled task that keeps <paramref name="cancellation"/> (its message names the cause), which
    /// <see cref="Task.FromCanceled(CancellationToken)"/> cannot do: an async method that throws an
    /// <see cref="OperationCanceledException"/> ends cancelled with that very exception.
    /// </summary>
#pragma warning disable CS1998, VSTHRD200 // Deliberately synchronous: the async builder is what turns the exception into a cancelled task.
    public static async Task Canceled(OperationCanceledException cancellation) => throw cancellation;
#pragma warning restore CS1998, VSTHRD200

    /// <summary>
    /// Reads the failure of <paramref name="task"/> once it ends, so a task nobody will await any more (the body of an
    /// abandoned child) is never reported as an unobserved task exception.
    /// </summary>
    public static void ObserveWhenDone(Task task)
    {
        if (task.IsCompleted) _ = task.Exception;
        else _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
