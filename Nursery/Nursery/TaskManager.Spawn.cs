namespace Nursery;

public sealed partial class TaskManager
{
    /// <summary>
    /// Starts <paramref name="body"/> as a child on a later turn of the loop (never synchronously), in spawn order.
    /// The body's token fires when the child, this manager or an enclosing manager is cancelled.
    /// </summary>
    /// <typeparam name="T">The child's result type.</typeparam>
    /// <param name="body">The child's code.</param>
    /// <returns>A handle to the child; its result is also kept in <see cref="Values"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The manager has finished joining, or this is not the loop's thread.</exception>
    public ChildTask<T> Spawn<T>(Func<CancellationToken, Task<T>> body)
    {
        Validate(body, TimeSpan.Zero);
        return Admit(new ChildTask<T>(this, _loop.NextId(), body), delay: null);
    }

    /// <summary>
    /// Starts <paramref name="body"/> as a child on a later turn of the loop (never synchronously), in spawn order.
    /// The body's token fires when the child, this manager or an enclosing manager is cancelled.
    /// </summary>
    /// <param name="body">The child's code.</param>
    /// <returns>A handle to the child.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The manager has finished joining, or this is not the loop's thread.</exception>
    public ChildTask Spawn(Func<CancellationToken, Task> body)
    {
        Validate(body, TimeSpan.Zero);
        return Admit(new ChildTask(this, _loop.NextId(), body), delay: null);
    }

    /// <summary>
    /// Starts <paramref name="body"/> as a child on a later turn of the loop (never synchronously), in spawn order.
    /// Without a token, the child still sees cancellation at every <see cref="EventLoop.Sleep(TimeSpan)"/> and <see cref="EventLoop.Yield"/>.
    /// </summary>
    /// <typeparam name="T">The child's result type.</typeparam>
    /// <param name="body">The child's code.</param>
    /// <returns>A handle to the child; its result is also kept in <see cref="Values"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The manager has finished joining, or this is not the loop's thread.</exception>
    public ChildTask<T> Spawn<T>(Func<Task<T>> body)
    {
        Validate(body, TimeSpan.Zero);
        return Admit(new ChildTask<T>(this, _loop.NextId(), body), delay: null);
    }

    /// <summary>
    /// Starts <paramref name="body"/> as a child on a later turn of the loop (never synchronously), in spawn order.
    /// Without a token, the child still sees cancellation at every <see cref="EventLoop.Sleep(TimeSpan)"/> and <see cref="EventLoop.Yield"/>.
    /// </summary>
    /// <param name="body">The child's code.</param>
    /// <returns>A handle to the child.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The manager has finished joining, or this is not the loop's thread.</exception>
    public ChildTask Spawn(Func<Task> body)
    {
        Validate(body, TimeSpan.Zero);
        return Admit(new ChildTask(this, _loop.NextId(), body), delay: null);
    }

    /// <summary>
    /// Starts <paramref name="body"/> as a child once <paramref name="delay"/> has passed on the loop's clock
    /// (counted from now). Until then the child is <see cref="ChildTaskStatus.Scheduled"/>; cancelling it
    /// before it starts means its body never runs.
    /// </summary>
    /// <typeparam name="T">The child's result type.</typeparam>
    /// <param name="body">The child's code.</param>
    /// <param name="delay">How long to wait before starting; zero or positive.</param>
    /// <returns>A handle to the child; its result is also kept in <see cref="Values"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The manager has finished joining, or this is not the loop's thread.</exception>
    public ChildTask<T> Schedule<T>(Func<CancellationToken, Task<T>> body, TimeSpan delay)
    {
        Validate(body, delay);
        return Admit(new ChildTask<T>(this, _loop.NextId(), body), delay);
    }

    /// <summary>
    /// Starts <paramref name="body"/> as a child once <paramref name="delay"/> has passed on the loop's clock
    /// (counted from now). Until then the child is <see cref="ChildTaskStatus.Scheduled"/>.
    /// </summary>
    /// <param name="body">The child's code.</param>
    /// <param name="delay">How long to wait before starting; zero or positive.</param>
    /// <returns>A handle to the child.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The manager has finished joining, or this is not the loop's thread.</exception>
    public ChildTask Schedule(Func<CancellationToken, Task> body, TimeSpan delay)
    {
        Validate(body, delay);
        return Admit(new ChildTask(this, _loop.NextId(), body), delay);
    }

    /// <summary>
    /// Starts <paramref name="body"/> as a child once <paramref name="delay"/> has passed on the loop's clock
    /// (counted from now). Until then the child is <see cref="ChildTaskStatus.Scheduled"/>.
    /// </summary>
    /// <typeparam name="T">The child's result type.</typeparam>
    /// <param name="body">The child's code.</param>
    /// <param name="delay">How long to wait before starting; zero or positive.</param>
    /// <returns>A handle to the child; its result is also kept in <see cref="Values"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The manager has finished joining, or this is not the loop's thread.</exception>
    public ChildTask<T> Schedule<T>(Func<Task<T>> body, TimeSpan delay)
    {
        Validate(body, delay);
        return Admit(new ChildTask<T>(this, _loop.NextId(), body), delay);
    }

    /// <summary>
    /// Starts <paramref name="body"/> as a child once <paramref name="delay"/> has passed on the loop's clock
    /// (counted from now). Until then the child is <see cref="ChildTaskStatus.Scheduled"/>.
    /// </summary>
    /// <param name="body">The child's code.</param>
    /// <param name="delay">How long to wait before starting; zero or positive.</param>
    /// <returns>A handle to the child.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The manager has finished joining, or this is not the loop's thread.</exception>
    public ChildTask Schedule(Func<Task> body, TimeSpan delay)
    {
        Validate(body, delay);
        return Admit(new ChildTask(this, _loop.NextId(), body), delay);
    }

    /// <summary>The checks every Spawn/Schedule makes, in the order a caller would want to hear about them.</summary>
    private void Validate(Delegate body, TimeSpan delay)
    {
        ThrowIfNotOnLoop();
        ArgumentNullException.ThrowIfNull(body, nameof(body));
        if (delay < TimeSpan.Zero) throw ThrowHelper.NegativeDelay(nameof(delay), delay);
        if (_state == State.Closed) throw ThrowHelper.ManagerClosed();
    }

    /// <summary>
    /// Adds a child made elsewhere (a loop host's submission, created on the submitting thread): like Spawn, on
    /// this turn of the loop thread. Loop thread only; the manager must not be closed.
    /// </summary>
    internal void AdmitChild(ChildTask child)
    {
        ThrowIfNotOnLoop();
        if (_state == State.Closed) throw ThrowHelper.ManagerClosed();
        Admit(child, delay: null);
    }

    /// <summary>Adds a validated child: onto the run queue now, or into the timer heap for later.</summary>
    private TChild Admit<TChild>(TChild child, TimeSpan? delay)
        where TChild : ChildTask
    {
        if (ForgetsEndedChildren && _children.Count >= _sweepAt) SweepEndedChildren();
        if (_loop.CaptureSpawnSites && child.SpawnSite is null) child.Describe(child.Name, SpawnSites.Caller());
        _children.Add(child);
        _listedTotal++;
        _live++;
        _loop.Trace?.Spawned(child, delay is { } wait ? _loop.DeadlineAfter(wait) : null);
        NurseryTelemetry.RecordSpawn(_loop);
        if (_cancelCause is { } cause)
        {
            // Spawned into a cancelled manager: it is cancelled before it starts, so it ends at once and never runs its body.
            CancelTree.CancelFromParent(child.Context, cause);
        }
        else if (delay is { } d)
        {
            _loop.Timers.Add(child, _loop.DeadlineAfter(d));
        }
        else
        {
            StartOrWait(child);
        }
        return child;
    }

    /// <summary>
    /// Drops ended children from the list (see <see cref="ForgetsEndedChildren"/>). Sweeping only once the list
    /// has doubled since the last sweep keeps the cost amortised O(1) per spawn.
    /// </summary>
    private void SweepEndedChildren()
    {
        // Never while cancelled: a cancel walk may still be going through the list, and children spawned now start cancelled anyway.
        if (IsCancellationRequested) return;
        _children.RemoveAll(static child => child.IsEnded);
        _sweepAt = Math.Max(64, _children.Count * 2);
    }
}
