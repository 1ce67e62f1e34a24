using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Nursery;

/// <summary>
/// Runs async work for synchronous code on one or more loop threads of its own: <see cref="Execute{T}"/> blocks
/// the caller until the work has ended (with an optional timeout that cancels and joins the work);
/// <see cref="ExecuteAsync{T}(Func{CancellationToken, Task{T}})"/> returns a task instead. With several loops, calls are spread round-robin.
/// </summary>
/// <remarks>
/// <para>
/// Each call runs as a child of its loop's root manager, so <see cref="Dispose"/> cancels everything still
/// running and joins it; a caller blocked in <see cref="Execute{T}"/> then gets an
/// <see cref="OperationCanceledException"/>. A failing call fails only itself.
/// </para>
/// <para>
/// Blocking rule: <see cref="Execute{T}"/> refuses to run on one of the dispatcher's own loop threads (it would
/// wait for a loop that it blocks). It will block any other thread, including another event loop's thread; from
/// loop code, prefer <c>await dispatcher.ExecuteAsync(...)</c>.
/// </para>
/// </remarks>
[DebuggerDisplay("Dispatcher: {_hosts.Length} loop(s), disposed = {_disposed != 0}")]
public sealed class Dispatcher : IDispatcher, IDisposable
{
    /// <summary>Numbers the dispatchers in their threads' names.</summary>
    private static int s_lastId;

    /// <summary>The loop threads, started on first use.</summary>
    private readonly LoopThread[] _hosts;

    /// <summary>Round-robin position. Interlocked.</summary>
    private int _next = -1;

    /// <summary>1 once disposed. Interlocked.</summary>
    private int _disposed;

    /// <summary>Creates a dispatcher with <paramref name="loops"/> loop threads (started on first use).</summary>
    /// <param name="loops">How many loops to spread work over; at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="loops"/> is less than 1.</exception>
    public Dispatcher(int loops = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(loops, 1);
        var id = Interlocked.Increment(ref s_lastId);
        _hosts = new LoopThread[loops];
        for (var i = 0; i < loops; i++)
            _hosts[i] = new LoopThread(new EventLoop(), ownsLoop: true, taskType: null, name: $"Nursery dispatcher {id}.{i + 1}");
    }

    /// <inheritdoc />
    public T Execute<T>(Func<CancellationToken, Task<T>> work, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (timeout is { } t && t < TimeSpan.Zero && t != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(timeout), t, "The timeout must be zero or positive, Timeout.InfiniteTimeSpan, or null.");
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (EventLoop.Current is { } current && Array.Exists(_hosts, host => host.LoopUnchecked == current))
            throw HostErrors.Deadlock("Dispatcher.Execute");

        var host = NextHost();
        var task = timeout is { } limit && limit != Timeout.InfiniteTimeSpan
            ? host.Submit(new TimedExecution<T>(work, host.LoopUnchecked.DeadlineAfter(limit), limit).RunAsync)
            : host.Submit(work);
        return HostBlocking.Wait(task);
    }

    /// <inheritdoc />
    public Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> work) => ExecuteAsync(work, CancellationToken.None);

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException"><paramref name="work"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The dispatcher has been disposed.</exception>
    public Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return NextHost().Submit(work, cancellationToken);
    }

    /// <summary>
    /// Stops every loop: work still running is cancelled and joined, and blocked callers are released. Waits for
    /// the loops to stop (except the caller's own, when called from one of them). Later calls, concurrent ones
    /// included, also wait for the loops to stop, but leave reporting failures to the first.
    /// </summary>
    /// <exception cref="LoopHostException">A loop stopped with a failure of its own (first call only).</exception>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            foreach (var host in _hosts)
                if (EventLoop.Current != host.LoopUnchecked) host.WaitForStopQuietly();
            return;
        }
        // Request every stop first, so the loops shut down side by side, then wait for each.
        foreach (var host in _hosts) host.Stop();
        List<Exception>? failures = null;
        foreach (var host in _hosts)
        {
            try
            {
                host.Dispose();
            }
            catch (LoopHostException e)
            {
                (failures ??= []).Add(e);
            }
        }
        if (failures is not null) ExceptionDispatchInfo.Throw(failures.Count == 1 ? failures[0] : new AggregateException(failures));
    }

    private LoopThread NextHost() => _hosts[(int)((uint)Interlocked.Increment(ref _next) % (uint)_hosts.Length)];
}
