using System.Diagnostics;

namespace Nursery;

/// <summary>
/// A loop host that borrows the <see cref="EventLoop"/> already running on the calling thread, so code that
/// expects an <see cref="ILoopHost"/> (a plugin system, a blocking library with callbacks on worker threads)
/// can submit work to it from any thread.
/// </summary>
/// <remarks>
/// <para>
/// The host does not own the loop: <see cref="Stop"/> ends the host — it refuses new work and cancels and joins
/// the work submitted through it — but never stops the loop, which goes on running whatever else it runs.
/// <see cref="WaitForStop()"/> waits for that end of the host's own work, never for the loop. Both are no-ops as
/// far as the loop is concerned.
/// </para>
/// <para>
/// Work submitted through the host belongs to the host, not to the child that created it: it runs under the
/// host's root manager, which nests under no child. When the loop's owner returns from
/// <see cref="EventLoop.Run(Func{Task})"/>, the host ends with it: work still in flight is abandoned with the
/// loop, and every caller's task ends cancelled.
/// </para>
/// </remarks>
[DebuggerDisplay("CurrentLoopHost: running = {IsRunning}")]
public sealed class CurrentLoopHost : ILoopHost
{
    /// <summary>The borrowed loop.</summary>
    private readonly EventLoop _loop;

    /// <summary>Root manager, submission queue and orderly end of the host's own work.</summary>
    private readonly HostScope _scope;

    /// <summary>1 once <see cref="Dispose"/> has run. Interlocked.</summary>
    private int _disposed;

    /// <summary>The loop thread the host was created on, for <see cref="ToString"/>.</summary>
    private readonly string _createdOn;

    /// <summary>Wraps <see cref="EventLoop.Current"/>.</summary>
    /// <exception cref="InvalidOperationException">No event loop is running on the calling thread.</exception>
    public CurrentLoopHost()
    {
        _loop = EventLoop.Current ?? throw new InvalidOperationException(
            "new CurrentLoopHost() wraps the event loop running on the calling thread, but there is none. Create it from " +
            "code running on a loop (inside EventLoop.Run or a TaskManager child), or use a LoopThread, which runs a loop " +
            "on a thread of its own.");
        _scope = new HostScope(_loop, "CurrentLoopHost");
        var creator = Thread.CurrentThread;
        _createdOn = $"thread \"{creator.Name ?? "unnamed"}\" (#{creator.ManagedThreadId})";
        // The host's life runs on the loop in the background; the scope reports its end through WaitForStop.
        _ = _scope.RunAsync();
    }

    /// <summary>
    /// How long <see cref="Stop"/> waits for cancelled work to end before giving up on it (its caller's task then
    /// ends cancelled). Real time; default 5 seconds; <see cref="Timeout.InfiniteTimeSpan"/> waits for ever.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative (other than infinite).</exception>
    public TimeSpan StopTimeout
    {
        get => _scope.StopTimeout;
        init => _scope.StopTimeout = value;
    }

    /// <summary>The borrowed loop.</summary>
    public EventLoop Loop => _loop;

    /// <summary>Whether the borrowed loop is running and the host accepts work (false once <see cref="Stop"/> has been requested).</summary>
    public bool IsRunning => !_scope.IsStopRequested && _loop.IsRunning;

    /// <summary>Checks that the borrowed loop is running and the host accepts work; a borrowed loop cannot be started.</summary>
    /// <exception cref="ObjectDisposedException">The host has been stopped, or the loop's Run has returned.</exception>
    /// <exception cref="LoopHostException">The borrowed loop is not running.</exception>
    public void EnsureRunning()
    {
        if (_scope.IsStopRequested) throw HostErrors.Stopped(this, "on the borrowed loop");
        if (!_loop.IsRunning)
            throw new LoopHostException("The loop borrowed by this CurrentLoopHost is not running, and a CurrentLoopHost cannot start a loop it does not own. Use a LoopThread to own one.");
    }

    /// <inheritdoc />
    public Task<T> Submit<T>(Func<CancellationToken, Task<T>> work, string? taskType = null) => Submit(work, CancellationToken.None, taskType);

    /// <inheritdoc />
    public Task Submit(Func<CancellationToken, Task> work, string? taskType = null) => Submit(work, CancellationToken.None, taskType);

    /// <inheritdoc />
    public Task<T> Submit<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken, string? taskType = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        return _scope.Submit(work, cancellationToken);
    }

    /// <inheritdoc />
    public Task Submit(Func<CancellationToken, Task> work, CancellationToken cancellationToken, string? taskType = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        return _scope.Submit(work, cancellationToken);
    }

    /// <inheritdoc />
    public AsyncEvent CreateEvent() => new(_loop);

    /// <summary>
    /// Ends the host: new submissions are refused, work submitted through it is cancelled and joined, and every
    /// returned task ends. The borrowed loop keeps running. Non-blocking, thread-safe and idempotent.
    /// </summary>
    public void Stop() => _scope.RequestStop();

    /// <summary>
    /// Blocks until the host's own work has ended after <see cref="Stop"/> (the loop itself never stops because of
    /// the host). Returns at once when it has.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called on the borrowed loop's thread before the host's work has ended: it could never end while that thread waits.</exception>
    /// <exception cref="LoopHostException">The host's shutdown failed (the inner exception).</exception>
    public void WaitForStop() => WaitForStop(Timeout.InfiniteTimeSpan);

    /// <summary>Blocks until the host's own work has ended after <see cref="Stop"/>, or <paramref name="timeout"/> has passed.</summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits without limit.</param>
    /// <returns><see langword="true"/> when the host has stopped; <see langword="false"/> on timeout.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (other than infinite).</exception>
    /// <exception cref="InvalidOperationException">Called on the borrowed loop's thread before the host's work has ended.</exception>
    /// <exception cref="LoopHostException">The host's shutdown failed (the inner exception).</exception>
    public bool WaitForStop(TimeSpan timeout)
    {
        if (!_scope.IsClosed) HostErrors.ThrowIfOnLoop(_loop, "CurrentLoopHost.WaitForStop");
        if (!_scope.WaitClosed(timeout)) return false;
        if (_scope.Failure is { } failure) throw HostErrors.StoppedWithFailure("CurrentLoopHost", failure);
        return true;
    }

    /// <summary>
    /// Stops the host; off the loop thread, also waits until its work has ended. The borrowed loop keeps running.
    /// Later calls do nothing.
    /// </summary>
    /// <exception cref="LoopHostException">The host's shutdown failed.</exception>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        Stop();
        if (EventLoop.Current != _loop) WaitForStop();
    }

    /// <summary>The host in one line: the borrowed loop's thread, and whether the host still accepts work.</summary>
    /// <returns>For example <c>CurrentLoopHost: Running, any task type, borrows the loop of thread "main" (#1)</c>.</returns>
    public override string ToString() =>
        $"CurrentLoopHost: {(IsRunning ? "Running" : _scope.IsStopRequested ? "Stopped" : "loop not running")}, any task type, borrows the loop of {_createdOn}";
}
