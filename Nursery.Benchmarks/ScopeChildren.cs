namespace Nursery.Benchmarks;

/// <summary>
/// The child bodies of the scope benchmarks, cached as delegates: each yields once under a timeout that never fires
/// (an hour), then returns 1, so what differs between them is only the cost of the timeout mechanism.
/// </summary>
public static class ScopeChildren
{
    /// <summary>The timeout every benchmark child runs under: long enough never to fire.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromHours(1);

    /// <summary>A Nursery child that enters and leaves a cancel scope without a deadline around its yield.</summary>
    public static readonly Func<Task<int>> PlainScope = PlainScopeAsync;

    /// <summary>A Nursery child whose yield runs under <see cref="CancelScope.FailAfter{T}"/>.</summary>
    public static readonly Func<Task<int>> FailAfter = FailAfterAsync;

    /// <summary>A Nursery child whose yield runs under <see cref="CancelScope.MoveOnAfter"/>.</summary>
    public static readonly Func<Task<int>> MoveOnAfter = MoveOnAfterAsync;

    /// <summary>The hand-rolled timeout before scopes: a linked token source with CancelAfter, its token observed by the yield.</summary>
    public static readonly Func<CancellationToken, Task<int>> LinkedTokenOnLoop = LinkedTokenOnLoopAsync;

    /// <summary>The same in thread-pool code: a linked token source with CancelAfter around a Task.Yield.</summary>
    public static readonly Func<CancellationToken, Task<int>> LinkedTokenTaskYield = LinkedTokenTaskYieldAsync;

    /// <summary>Thread-pool code: <see cref="Task.WaitAsync(TimeSpan)"/> around the child's work.</summary>
    public static readonly Func<Task<int>> WaitAsyncTaskYield = WaitAsyncTaskYieldAsync;

    /// <summary>A Nursery child that puts <see cref="Task.WaitAsync(TimeSpan, TimeProvider)"/> (on the loop's clock) around its yield.</summary>
    public static readonly Func<Task<int>> WaitAsyncOnLoop = WaitAsyncOnLoopAsync;

    private static readonly Func<CancellationToken, Task> s_yieldBody = static async _ => await EventLoop.Yield();
    private static readonly Func<CancellationToken, Task<int>> s_yieldResultBody = static async _ =>
    {
        await EventLoop.Yield();
        return 1;
    };

    private static async Task<int> PlainScopeAsync()
    {
        await new CancelScope().RunAsync(s_yieldBody);
        return 1;
    }

    private static Task<int> FailAfterAsync() => CancelScope.FailAfter(Timeout, s_yieldResultBody);

    private static async Task<int> MoveOnAfterAsync() => await CancelScope.MoveOnAfter(Timeout, s_yieldBody) ? 1 : 0;

    private static async Task<int> LinkedTokenOnLoopAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        await EventLoop.Yield();
        timeout.Token.ThrowIfCancellationRequested();
        return 1;
    }

    private static async Task<int> LinkedTokenTaskYieldAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        await Task.Yield();
        timeout.Token.ThrowIfCancellationRequested();
        return 1;
    }

    private static Task<int> WaitAsyncTaskYieldAsync() => Children.TaskYield().WaitAsync(Timeout);

    private static Task<int> WaitAsyncOnLoopAsync() => Children.YieldOnLoop().WaitAsync(Timeout, EventLoop.Current!.TimeProvider);
}
