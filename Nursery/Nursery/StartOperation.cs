using System.Runtime.ExceptionServices;

namespace Nursery;

/// <summary>
/// One <see cref="TaskManager.StartAsync{T}"/>: the handshake between the code waiting for a child to be ready and the
/// child that says so with <see cref="StartSignal{T}.Started"/>, and the optional ready timeout.
/// </summary>
/// <remarks>
/// Until Started, the child runs under the cancellation of the code that called StartAsync (it is nested there, not in
/// the manager), and its end is StartAsync's outcome, not the manager's. Started moves it into the manager, where it is
/// an ordinary child from then on. Loop thread only.
/// </remarks>
/// <typeparam name="T">The value the child hands over.</typeparam>
internal sealed class StartOperation<T>(TaskManager manager, TimeSpan? readyTimeout) : IStartOperation, ITimerTarget
{
    /// <summary>Completed once the child called Started or ended; the outcome is read from the fields below.</summary>
    private readonly TaskCompletionSource _done = new();

    /// <summary>The starting child, once made.</summary>
    private ChildTask? _child;

    /// <summary>The value handed to Started.</summary>
    private T _value = default!;

    /// <summary>Whether Started was called.</summary>
    private bool _started;

    /// <summary>Whether the ready timeout passed first (the child was cancelled for it).</summary>
    private bool _timedOut;

    /// <inheritdoc />
    int ITimerTarget.TimerIndex { get; set; } = -1;

    /// <summary>Arms the ready timeout for <paramref name="child"/>.</summary>
    public void Begin(ChildTask child)
    {
        _child = child;
        if (readyTimeout is { } timeout) manager.Loop.Timers.Add(this, manager.Loop.DeadlineAfter(timeout));
    }

    /// <summary>Waits for the handshake; returns the value, or throws what stopped the child before Started.</summary>
    public async Task<T> WaitAsync()
    {
        await _done.Task;
        if (_started) return _value;
        var child = _child!;
        switch (child.Status)
        {
            case ChildTaskStatus.Faulted:
                ExceptionDispatchInfo.Throw(child.Exception!);
                break;
            case ChildTaskStatus.Cancelled when _timedOut:
                throw new TimeoutException(
                    $"The child did not call Started within the readyTimeout of {readyTimeout}; it was cancelled and has ended.",
                    child.Context.CancellationException());
            case ChildTaskStatus.Cancelled:
                throw child.Context.CancellationException();
        }
        throw new InvalidOperationException(
            $"Child {child.Label} returned without calling Started: StartAsync has nothing to hand over. Call the signal's " +
            "Started once the child is ready (e.g. listening), then keep running; or use Spawn for a child that needs no handshake.");
    }

    /// <summary>The child says it is ready: it becomes an ordinary child of the manager.</summary>
    public void Started(T value)
    {
        manager.ThrowIfNotOnLoop();
        if (_started) throw new InvalidOperationException("Started was already called for this child: a child signals that it is ready once.");
        var child = _child!;
        if (child.IsEnded) throw new InvalidOperationException($"Child {child.Label} has already ended: Started has nothing left to start.");
        _started = true;
        _value = value;
        manager.Loop.Timers.Remove(this);
        manager.AdoptStarted(child);
        _done.TrySetResult();
    }

    /// <inheritdoc />
    void IStartOperation.OnChildEnded()
    {
        manager.Loop.Timers.Remove(this);
        manager.ForgetStarting(_child!);
        _done.TrySetResult();
    }

    /// <inheritdoc />
    void ITimerTarget.OnTimer()
    {
        if (_started || _child is not { IsEnded: false } child) return;
        _timedOut = true;
        CancelTree.Cancel(child.Context, CancelCause.ReadyTimeout(manager.Loop, readyTimeout!.Value));
    }
}
