using System.Collections.ObjectModel;
using System.Diagnostics;

namespace Nursery;

/// <summary>
/// One event loop shared by many unrelated modules, kept alive by reference counting: each module takes a
/// <see cref="LoopToken"/> with <see cref="StartLoop"/> and releases it when done; the first token starts the
/// loop on a thread of its own, the last release stops it. <see cref="Await{T}"/> and
/// <see cref="AwaitMultiple{T}"/> run work on it from synchronous code.
/// </summary>
/// <remarks>
/// <para>
/// Thread-safe: tokens may be taken and released from many threads at once. While any token is held, the loop
/// runs; once the last token is released (and that <see cref="LoopToken.Release"/> has returned), it has stopped:
/// work still running was cancelled and joined. Taking a token again starts it again, on the same
/// <see cref="EventLoop"/> and a new thread.
/// </para>
/// <para>
/// <see cref="Await{T}"/> and <see cref="AwaitMultiple{T}"/> hold a token of their own while they run, so they
/// work with or without one held elsewhere (without, each call starts and stops the loop). They block, and refuse
/// to run on the loop's own thread, where they would deadlock.
/// </para>
/// </remarks>
[DebuggerDisplay("SharedLoop: running = {IsRunning}, tokens = {_tokens}")]
public sealed class SharedLoop
{
    /// <summary>Numbers the shared loops in their threads' names.</summary>
    private static int s_lastId;

    /// <summary>Guards <see cref="_tokens"/>, <see cref="_host"/> and <see cref="_previous"/>.</summary>
    private readonly Lock _gate = new();

    /// <summary>The loop every run drives.</summary>
    private readonly EventLoop _loop;

    /// <summary>The name of the loop's threads.</summary>
    private readonly string _name;

    /// <summary>Tokens taken and not released.</summary>
    private int _tokens;

    /// <summary>The current run while tokens are held; null otherwise. Read without the lock by <see cref="IsRunning"/>.</summary>
    private LoopThread? _host;

    /// <summary>The last run, which may still be stopping: an EventLoop runs on one thread at a time, so the next run waits for it.</summary>
    private LoopThread? _previous;

    /// <summary>Creates a shared loop; it does not run until the first <see cref="StartLoop"/>.</summary>
    /// <param name="clock">The loop's clock; <see langword="null"/> for a <see cref="SystemClock"/>.</param>
    public SharedLoop(LoopClock? clock = null)
    {
        _loop = new EventLoop(clock ?? new SystemClock());
        _name = $"Nursery shared loop {Interlocked.Increment(ref s_lastId)}";
    }

    /// <summary>The shared event loop (the same object across runs); running only while a token is held.</summary>
    public EventLoop Loop => _loop;

    /// <summary>Whether the loop is running (a token is held).</summary>
    public bool IsRunning => Volatile.Read(ref _host)?.IsRunning ?? false;

    /// <summary>Takes a token, starting the loop if no token was held. The loop is running once this returns.</summary>
    /// <returns>The token; release it (or dispose it) when done with the loop.</returns>
    /// <exception cref="LoopHostException">The loop could not be started.</exception>
    /// <exception cref="InvalidOperationException">Called on the loop's own thread while it is stopping after its last release.</exception>
    public LoopToken StartLoop()
    {
        while (true)
        {
            LoopThread stopping;
            lock (_gate)
            {
                if (_tokens > 0 || _previous is not { } previous || previous.HasStopped)
                {
                    if (_tokens == 0)
                    {
                        _previous = null;
                        var host = new LoopThread(_loop, ownsLoop: false, taskType: null, name: _name);
                        host.EnsureRunning(); // a start failure leaves the count as it was
                        Volatile.Write(ref _host, host);
                    }
                    _tokens++;
                    return new LoopToken(this, _host!);
                }
                stopping = previous;
            }
            // Wait outside the lock: the stopping loop's own code may need it (to release a token, say).
            if (EventLoop.Current == _loop)
            {
                throw new InvalidOperationException(
                    "SharedLoop.StartLoop was called on the shared loop's own thread while the loop is stopping (its last " +
                    "token was released). The new run must wait for this one to end, which cannot happen while its thread waits. " +
                    "Keep a token for as long as code on the loop may need one.");
            }
            stopping.WaitForStopQuietly();
        }
    }

    /// <summary>Releases <paramref name="token"/>; the same as <c>token.Release()</c>.</summary>
    /// <param name="token">A token taken from this shared loop.</param>
    /// <exception cref="ArgumentNullException"><paramref name="token"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="token"/> belongs to another shared loop.</exception>
    public void ReleaseLoop(LoopToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (token.Owner != this) throw new ArgumentException("This token was taken from another SharedLoop; release it there.", nameof(token));
        token.Release();
    }

    /// <summary>Runs <paramref name="work"/> on the shared loop and blocks until it has ended.</summary>
    /// <typeparam name="T">The work's result type.</typeparam>
    /// <param name="work">
    /// The work. Its token is the work's own: it fires if the loop stops while the work runs, and ends with the work,
    /// so a callback registered on it never runs once the work has returned.
    /// </param>
    /// <returns>The work's result.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="work"/> is null.</exception>
    /// <exception cref="InvalidOperationException">Called on the loop's own thread, where blocking would deadlock.</exception>
    /// <exception cref="LoopHostException">
    /// The loop itself failed (an exception escaped a timer callback or an <c>async void</c> method on it) and this
    /// call's own hold was the last: the release that stops the loop reports it.
    /// </exception>
    /// <remarks>The work's own exception is rethrown as the same object, not wrapped.</remarks>
    public T Await<T>(Func<CancellationToken, Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        HostErrors.ThrowIfOnLoop(_loop, "SharedLoop.Await");
        using var token = StartLoop();
        return HostBlocking.Wait(token.Host.Submit(hostToken => RunWithOwnTokenAsync(work, hostToken)));
    }

    /// <summary>
    /// Runs every item of <paramref name="work"/> concurrently on the shared loop (like <c>Promise.all</c>) and
    /// blocks until all have ended. Follows <see cref="TaskManager"/> rules: the first failure cancels the rest, and
    /// is rethrown once they have ended (as the same object; several failures as an <see cref="AggregateException"/>).
    /// </summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="work">The work items; enumerated once, on the calling thread.</param>
    /// <returns>The results, in the order of <paramref name="work"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="work"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="work"/> contains a null item.</exception>
    /// <exception cref="InvalidOperationException">Called on the loop's own thread, where blocking would deadlock.</exception>
    public IReadOnlyList<T> AwaitMultiple<T>(IEnumerable<Func<CancellationToken, Task<T>>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var items = work.ToArray();
        if (Array.IndexOf(items, null) is var index and >= 0)
            throw new ArgumentException($"The work item at index {index} is null.", nameof(work));
        HostErrors.ThrowIfOnLoop(_loop, "SharedLoop.AwaitMultiple");
        if (items.Length == 0) return [];
        using var token = StartLoop();
        return HostBlocking.Wait(token.Host.Submit(cancellationToken => RunAllAsync(items, cancellationToken)));
    }

    /// <summary>Called by <see cref="LoopToken.Release"/> once per token.</summary>
    internal void Release()
    {
        LoopThread? last = null;
        lock (_gate)
        {
            Debug.Assert(_tokens > 0, "Each token is released once.");
            if (--_tokens == 0)
            {
                last = _host;
                _previous = last;
                Volatile.Write(ref _host, null);
            }
        }
        if (last is null) return;
        last.Stop();
        // On the loop's own thread the stop can only be requested; it completes once this code returns to the loop.
        if (EventLoop.Current != _loop) last.WaitForStop();
    }

    /// <summary>
    /// Runs <paramref name="work"/> with a token of its own, linked to the host's. The host's token lives as long as
    /// the run of the loop, and a callback registered on it would run (and could throw) at a stop long after the work
    /// returned, making this call's release report a failure instead of the result it already has.
    /// </summary>
    private static async Task<T> RunWithOwnTokenAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken hostToken)
    {
        using var own = CancellationTokenSource.CreateLinkedTokenSource(hostToken);
        var task = work(own.Token) ?? throw new InvalidOperationException("The work passed to SharedLoop.Await returned null instead of a Task.");
        return await task;
    }

    private static async Task<IReadOnlyList<T>> RunAllAsync<T>(Func<CancellationToken, Task<T>>[] items, CancellationToken cancellationToken)
    {
        var children = new ChildTask<T>[items.Length];
        await TaskManager.RunAsync(
            manager =>
            {
                for (var i = 0; i < items.Length; i++) children[i] = manager.Spawn(items[i]);
                return Task.CompletedTask;
            },
            cancellationToken);
        // Joined without failure; a child can still have been cancelled (the loop is stopping).
        var results = new T[children.Length];
        for (var i = 0; i < children.Length; i++)
        {
            if (children[i].Status != ChildTaskStatus.Completed) throw new OperationCanceledException(cancellationToken);
            results[i] = children[i].Result;
        }
        return new ReadOnlyCollection<T>(results);
    }
}
