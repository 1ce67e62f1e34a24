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
    public static Task RunAsync(Func<TaskManager, Task> body) => RunAsync(body, CancellationToken.None);

    /// <summary>
    /// Runs <paramref name="body"/> with a new manager that <paramref name="cancellationToken"/> cancels (from any
    /// thread), and joins it. See <see cref="RunAsync(Func{TaskManager, Task})"/> and
    /// <see cref="TaskManager(EventLoop, CancellationToken)"/>: if the token fires before the join completes, the task
    /// ends with an <see cref="OperationCanceledException"/> carrying it (unless something failed). With a token already
    /// cancelled no child body runs; the body still starts and its first checkpoint throws.
    /// </summary>
    /// <param name="body">The code that spawns and coordinates the children.</param>
    /// <param name="cancellationToken">A token from outside the loop (a host's stoppingToken, a request's RequestAborted).</param>
    /// <returns>A task that ends when the body and every child have ended.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="InvalidOperationException">No event loop is running on this thread.</exception>
    public static Task RunAsync(Func<TaskManager, Task> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var manager = new TaskManager(EventLoop.Current ?? throw ThrowHelper.NoCurrentLoop(), cancellationToken);
        return manager.RunBodyAndJoinAsync(body);
    }

    /// <summary>
    /// Runs <paramref name="body"/> with a new manager, joins it, and returns the body's result. See
    /// <see cref="RunAsync(Func{TaskManager, Task}, CancellationToken)"/>. When the manager's own cancellation (a
    /// <see cref="Cancel"/>, its scope's deadline) cut the body short, there is no result: the task ends with the
    /// body's <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <typeparam name="T">The body's result type.</typeparam>
    /// <param name="body">The code that spawns and coordinates the children, and computes the result.</param>
    /// <param name="cancellationToken">An optional token from outside the loop.</param>
    /// <returns>The body's result, once the body and every child have ended.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="InvalidOperationException">No event loop is running on this thread.</exception>
    public static Task<T> RunAsync<T>(Func<TaskManager, Task<T>> body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        var manager = new TaskManager(EventLoop.Current ?? throw ThrowHelper.NoCurrentLoop(), cancellationToken);
        var result = new BodyResult<T>(body);
        return result.JoinAsync(manager.RunBodyAndJoinAsync(result.RunAsync));
    }

    /// <summary>
    /// Runs <paramref name="body"/> with a new manager configured by <paramref name="options"/> (a limit on running
    /// children, a failure policy, a name) and joins it. See <see cref="RunAsync(Func{TaskManager, Task})"/>. Under
    /// <see cref="FailurePolicy.CollectAll"/> a failing child leaves the body running; a failing body still cancels the children.
    /// </summary>
    /// <param name="options">How the manager runs its children.</param>
    /// <param name="body">The code that spawns and coordinates the children.</param>
    /// <returns>A task that ends when the body and every child have ended.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> or <paramref name="body"/> is null.</exception>
    /// <exception cref="InvalidOperationException">No event loop is running on this thread.</exception>
    public static Task RunAsync(TaskManagerOptions options, Func<TaskManager, Task> body) => RunAsync(options, body, CancellationToken.None);

    /// <summary>
    /// Runs <paramref name="body"/> with a new manager configured by <paramref name="options"/> that
    /// <paramref name="cancellationToken"/> cancels, and joins it. See <see cref="RunAsync(Func{TaskManager, Task}, CancellationToken)"/>.
    /// </summary>
    /// <param name="options">How the manager runs its children.</param>
    /// <param name="body">The code that spawns and coordinates the children.</param>
    /// <param name="cancellationToken">A token from outside the loop.</param>
    /// <returns>A task that ends when the body and every child have ended.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> or <paramref name="body"/> is null.</exception>
    /// <exception cref="InvalidOperationException">No event loop is running on this thread.</exception>
    public static Task RunAsync(TaskManagerOptions options, Func<TaskManager, Task> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(body);
        var manager = new TaskManager(EventLoop.Current ?? throw ThrowHelper.NoCurrentLoop(), options, cancellationToken);
        return manager.RunBodyAndJoinAsync(body);
    }

    /// <summary>
    /// Runs <paramref name="body"/> with a new manager configured by <paramref name="options"/>, joins it, and returns
    /// the body's result. See <see cref="RunAsync{T}(Func{TaskManager, Task{T}}, CancellationToken)"/>.
    /// </summary>
    /// <typeparam name="T">The body's result type.</typeparam>
    /// <param name="options">How the manager runs its children.</param>
    /// <param name="body">The code that spawns and coordinates the children, and computes the result.</param>
    /// <param name="cancellationToken">An optional token from outside the loop.</param>
    /// <returns>The body's result, once the body and every child have ended.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> or <paramref name="body"/> is null.</exception>
    /// <exception cref="InvalidOperationException">No event loop is running on this thread.</exception>
    public static Task<T> RunAsync<T>(TaskManagerOptions options, Func<TaskManager, Task<T>> body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(body);
        var manager = new TaskManager(EventLoop.Current ?? throw ThrowHelper.NoCurrentLoop(), options, cancellationToken);
        var result = new BodyResult<T>(body);
        return result.JoinAsync(manager.RunBodyAndJoinAsync(result.RunAsync));
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
        if (_cancelCause is { } cause) CancelTree.CancelFromParent(scope.Context, cause); // cancelled already (an outside token, the code around it)

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
        else if (TaskOutcomes.IsCancellation(bodyTask) && ((scope.IsCancellationRequested && !scope.Carries(bodyTask)) || ClaimsOutsideCancellation(bodyTask)))
        {
            // Cancelled by this manager (or the tree above it). A cancellation a nested join threw counts only when it
            // carries an outside token this manager or one around it owns: then the same token cancelled both.
            scope.EndBodyScope(ChildTaskStatus.Cancelled, null);
            BodyCancellation = TaskOutcomes.Of(bodyTask);
            _cutShort = true;
        }
        else
        {
            bodyFailure = TaskOutcomes.Of(bodyTask);
        }
        // Managers the body opened and left open are joined by this manager, and the body fails for it.
        if (OrphanOpenManagers(scope.Context, static self => $"the RunAsync body of {self.Subject}", this) is { } leaked) bodyFailure ??= leaked;
        if (bodyFailure is not null)
        {
            if (!scope.IsEnded) scope.EndBodyScope(ChildTaskStatus.Faulted, bodyFailure);
            if (!IsCancellationRequested) CancelTree.Cancel(this, CancelCause.BodyFailed(_loop, Subject, bodyFailure));
        }

        _state = State.Joining;
        await WaitForChildrenAsync();
        if (CloseAndReport(bodyFailure) is { } failure) ExceptionDispatchInfo.Throw(failure);
    }

    /// <summary>The cancellation a RunAsync body ended with, when its manager's cancellation cut it short (RunAsync&lt;T&gt; rethrows it).</summary>
    private Exception? BodyCancellation { get; set; }

    /// <summary>Runs a body that has a result, keeps the result, and hands it out once the manager has joined.</summary>
    private sealed class BodyResult<T>(Func<TaskManager, Task<T>> body)
    {
        private T _value = default!;
        private bool _hasValue;
        private TaskManager? _manager;

        /// <summary>The body as a RunAsync body: runs under the body's context, so its awaits stay inside the manager.</summary>
        public async Task RunAsync(TaskManager manager)
        {
            _manager = manager;
            _value = await body(manager);
            _hasValue = true;
        }

        /// <summary>Waits for the join, then returns the result (or the cancellation that cut the body short).</summary>
        public async Task<T> JoinAsync(Task joined)
        {
            await joined;
            if (!_hasValue && _manager?.BodyCancellation is { } cancellation) ExceptionDispatchInfo.Throw(cancellation);
            return _value;
        }
    }
}
