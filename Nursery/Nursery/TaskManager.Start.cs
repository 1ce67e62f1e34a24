namespace Nursery;

// Start and wait until ready (Trio's nursery.start): the child runs under the caller's cancellation until it calls
// Started, then it is an ordinary child of this manager.
public sealed partial class TaskManager
{
    /// <summary>
    /// Starts <paramref name="body"/> as a child of this manager and completes when the child calls
    /// <see cref="StartSignal{T}.Started"/> (with its value): a server that is listening, a worker that is connected.
    /// After that it is an ordinary child.
    /// </summary>
    /// <remarks>
    /// Until Started, the child runs under the cancellation of the code awaiting StartAsync (its scopes), not under this
    /// manager's, as in Trio; an exception from it comes out of StartAsync and is not a failure of the manager, and a body
    /// that returns without calling Started makes StartAsync throw <see cref="InvalidOperationException"/>. A pending
    /// start keeps the manager open.
    /// </remarks>
    /// <typeparam name="T">The value the child hands over.</typeparam>
    /// <param name="body">The child's code; it receives the signal and its token.</param>
    /// <param name="readyTimeout">
    /// How long the child may take to call Started: when it passes first, the child is cancelled and has ended before
    /// StartAsync throws <see cref="TimeoutException"/>. Null: no limit.
    /// </param>
    /// <returns>The value passed to Started.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="readyTimeout"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The manager has finished joining, or this is not the loop's thread.</exception>
    /// <exception cref="OperationCanceledException">The manager has been cancelled (the body does not run).</exception>
    public Task<T> StartAsync<T>(Func<StartSignal<T>, CancellationToken, Task> body, TimeSpan? readyTimeout = null)
    {
        ValidateStart(body, readyTimeout);
        if (IsCancellationRequested) throw CancelledForStart();
        var operation = new StartOperation<T>(this, readyTimeout);
        var signal = new StartSignal<T>(operation);
        BeginStart(new ChildTask(this, _loop.NextId(), (Func<CancellationToken, Task>)(ct => body(signal, ct))), operation);
        return operation.WaitAsync();
    }

    /// <summary>
    /// Starts <paramref name="body"/> as a child of this manager and completes when the child calls
    /// <see cref="StartSignal.Started"/>. See <see cref="StartAsync{T}"/>.
    /// </summary>
    /// <param name="body">The child's code; it receives the signal and its token.</param>
    /// <param name="readyTimeout">How long the child may take to call Started; null for no limit.</param>
    /// <returns>A task that completes when the child has called Started.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="readyTimeout"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The manager has finished joining, or this is not the loop's thread.</exception>
    /// <exception cref="OperationCanceledException">The manager has been cancelled (the body does not run).</exception>
    public Task StartAsync(Func<StartSignal, CancellationToken, Task> body, TimeSpan? readyTimeout = null)
    {
        ValidateStart(body, readyTimeout);
        if (IsCancellationRequested) throw CancelledForStart();
        var operation = new StartOperation<object?>(this, readyTimeout);
        var signal = new StartSignal(operation);
        BeginStart(new ChildTask(this, _loop.NextId(), (Func<CancellationToken, Task>)(ct => body(signal, ct))), operation);
        return operation.WaitAsync();
    }

    /// <summary>A child that called Started becomes an ordinary child: listed, and under this manager's cancellation.</summary>
    internal void AdoptStarted(ChildTask child)
    {
        ForgetStarting(child);
        _children.Add(child);
        _listedTotal++;
        if (_cancelCause is { } cause) CancelTree.CancelFromParent(child.Context, cause);
    }

    /// <summary>The child is no longer starting: it leaves the code it was starting under.</summary>
    internal void ForgetStarting(ChildTask child)
    {
        if (child.Cold is not { StartingUnder: { } caller } cold) return;
        caller.RemoveNested(child.Context);
        cold.StartingUnder = null;
        cold.Start = null;
    }

    private void ValidateStart(Delegate body, TimeSpan? readyTimeout)
    {
        ThrowIfNotOnLoop();
        ArgumentNullException.ThrowIfNull(body, nameof(body));
        if (readyTimeout is { } timeout && timeout < TimeSpan.Zero) throw ThrowHelper.NegativeDelay(nameof(readyTimeout), timeout);
        if (_state == State.Closed) throw ThrowHelper.ManagerClosed();
    }

    private OperationCanceledException CancelledForStart() => new(
        $"{Subject} has been cancelled, so StartAsync does not start a child in it. {_cancelCause?.Message}", Token);

    /// <summary>Puts a starting child under the calling code and on the run queue; it keeps the manager open.</summary>
    private void BeginStart(ChildTask child, IStartOperation operation)
    {
        var caller = LoopSynchronizationContext.CurrentOrRoot(_loop);
        var cold = child.EnsureCold();
        cold.StartingUnder = caller;
        cold.Start = operation;
        caller.AddNested(child.Context);
        _live++;
        _loop.Trace?.Spawned(child, null);
        NurseryTelemetry.RecordSpawn(_loop);
        operation.Begin(child);
        if (caller.Cause is { } cause) CancelTree.CancelFromParent(child.Context, cause);
        else StartOrWait(child);
    }
}
