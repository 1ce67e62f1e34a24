using System.Runtime.ExceptionServices;

namespace Nursery;

public sealed partial class TaskManager
{
    /// <summary>
    /// Runs <paramref name="body"/> with a new manager and joins it, like <c>await using</c>, except that the body
    /// is part of the group: a failing body cancels the children, and a failing child cancels the body (at its next
    /// <see cref="EventLoop.Sleep(TimeSpan)"/> / <see cref="EventLoop.Yield"/> checkpoint).
    /// </summary>
    /// <param name="body">The code that spawns and coordinates the children.</param>
    /// <returns>
    /// A task that ends when the body and every child have ended. It fails with the body's exception (the same
    /// object), a child's exception, or, when there are several, an <see cref="AggregateException"/> listing the
    /// body's failure first and then the children's in the order they happened. The
    /// <see cref="OperationCanceledException"/> the body gets from its own manager's cancellation is not a failure.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="InvalidOperationException">No event loop is running on this thread.</exception>
    public static Task RunAsync(Func<TaskManager, Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var manager = new TaskManager();
        return manager.RunBodyAndJoinAsync(body);
    }

    private async Task RunBodyAndJoinAsync(Func<TaskManager, Task> body)
    {
        var scope = _bodyScope = ChildTask.CreateBodyScope(this, _loop.NextId());
        scope.Describe("RunAsync body", null);
        if (_loop.Trace is { } trace)
        {
            trace.Spawned(scope, null);
            trace.Started(scope);
        }
        if (IsCancellationRequested) scope.RequestCancel(); // created inside a cancelled child

        // The body runs under its own context, so its checkpoints see this manager's cancellation and managers
        // created inside it nest under it; this method itself continues in the caller's context.
        Task bodyTask;
        var callerContext = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(scope.Context);
        try
        {
            bodyTask = body(this) ?? Task.FromException(new InvalidOperationException("The RunAsync body returned null instead of a Task."));
        }
        catch (Exception e)
        {
            bodyTask = Task.FromException(e);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(callerContext);
        }

        await bodyTask.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        Exception? bodyFailure = null;
        if (bodyTask.IsCompletedSuccessfully)
        {
            scope.EndBodyScope(ChildTaskStatus.Completed, null);
        }
        else if (scope.IsCancellationRequested && Failures.IsCancellation(bodyTask) && !scope.Carries(bodyTask))
        {
            scope.EndBodyScope(ChildTaskStatus.Cancelled, null);
        }
        else
        {
            bodyFailure = Failures.Of(bodyTask);
            scope.EndBodyScope(ChildTaskStatus.Faulted, bodyFailure);
            CancelCore();
        }

        _state = State.Joining;
        await WaitForChildrenAsync();
        Close();
        if (Report(Failures.BodyFirst(bodyFailure, _failures)) is { } failure) ExceptionDispatchInfo.Throw(failure);
    }
}
