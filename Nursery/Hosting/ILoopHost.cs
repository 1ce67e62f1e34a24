namespace Nursery;

/// <summary>
/// Runs async work on an <see cref="EventLoop"/> for code that is not on that loop: worker threads, blocking
/// servers, plugin systems, a console <c>Main</c>. Implemented by <see cref="LoopThread"/> (owns a loop on a
/// dedicated thread) and <see cref="CurrentLoopHost"/> (borrows the loop running on the calling thread).
/// </summary>
/// <remarks>
/// <para>
/// <b>Structured submission.</b> Each host owns a root <see cref="TaskManager"/>; every submitted work item runs
/// as one of its children, with a token that fires when the host stops, and <see cref="EventLoop.Sleep(TimeSpan)"/>
/// / <see cref="EventLoop.Yield"/> checkpoints that observe that cancellation. <see cref="Stop"/> cancels
/// everything in flight and joins it, so every task <see cref="Submit{T}(Func{CancellationToken, Task{T}}, string?)"/> returned ends: with the work's result,
/// its exception, or cancelled. None is left pending.
/// </para>
/// <para>
/// <b>A host is a supervisor, not a fail-fast nursery.</b> A work item that fails fails only the task its own
/// <see cref="Submit{T}(Func{CancellationToken, Task{T}}, string?)"/> returned; its siblings keep running and the host keeps serving. (Inside a work item,
/// a <see cref="TaskManager"/> keeps its usual rule: one failing child cancels its siblings.)
/// </para>
/// <para>
/// <b>Blocking.</b> <see cref="WaitForStop()"/> called on the loop thread it would wait for throws
/// <see cref="InvalidOperationException"/> instead of deadlocking. The same holds for every blocking entry point of
/// the library, but not for your own code: <c>.Result</c> or <c>.Wait()</c> on a task that needs the loop, called
/// on the loop thread, deadlocks. On the loop, <c>await</c>.
/// </para>
/// </remarks>
public interface ILoopHost : IDisposable
{
    /// <summary>The host's event loop. For a <see cref="LoopThread"/> not started yet, reading it starts the loop first.</summary>
    EventLoop Loop { get; }

    /// <summary>Whether the loop is running and the host accepts work (false once <see cref="Stop"/> has been requested).</summary>
    bool IsRunning { get; }

    /// <summary>Starts the loop if needed and returns once it is running and ready for work.</summary>
    /// <exception cref="LoopHostException">The loop could not be started (or, for a borrowed loop, is not running).</exception>
    /// <exception cref="ObjectDisposedException">The host has been stopped; a stopped host does not restart.</exception>
    void EnsureRunning();

    /// <summary>
    /// Runs <paramref name="work"/> on the loop as a child of the host's root manager and returns a task for its
    /// result. Thread-safe and non-blocking (the first submission to a <see cref="LoopThread"/> that is not started
    /// yet starts it).
    /// </summary>
    /// <typeparam name="T">The work's result type.</typeparam>
    /// <param name="work">The work; its token (its own) fires when the host stops.</param>
    /// <param name="taskType">The kind of work; must match the host's task type when it has one.</param>
    /// <returns>
    /// A task that ends the way the work ends: its result, its exception (the same object), or cancelled. It is
    /// cancelled when the host stops before the work ends, and fails with <see cref="ObjectDisposedException"/>
    /// when the host has already been stopped. Its continuations never run inline on the loop thread.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="work"/> is null.</exception>
    /// <exception cref="UnknownTaskTypeException">The host accepts only another task type.</exception>
#pragma warning disable VSTHRD200 // The contract names it Submit: it hands work over, the caller awaits the result if it wants.
    Task<T> Submit<T>(Func<CancellationToken, Task<T>> work, string? taskType = null);

    /// <summary>
    /// Runs <paramref name="work"/> on the loop as a child of the host's root manager. Thread-safe and non-blocking.
    /// See <see cref="Submit{T}(Func{CancellationToken, Task{T}}, string?)"/>.
    /// </summary>
    /// <param name="work">The work; its token fires when the host stops.</param>
    /// <param name="taskType">The kind of work; must match the host's task type when it has one.</param>
    /// <returns>A task that ends the way the work ends (see the generic overload).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="work"/> is null.</exception>
    /// <exception cref="UnknownTaskTypeException">The host accepts only another task type.</exception>
    Task Submit(Func<CancellationToken, Task> work, string? taskType = null);

    /// <summary>
    /// Runs <paramref name="work"/> on the loop like <see cref="Submit{T}(Func{CancellationToken, Task{T}}, string?)"/>,
    /// cancelled when <paramref name="cancellationToken"/> fires (from any thread): the work's token fires, and its
    /// returned task ends <see cref="TaskStatus.Canceled"/> with <paramref name="cancellationToken"/>; nothing else on
    /// the host is affected. With a token already cancelled the work does not run. Work that ignores the cancellation
    /// and returns normally still delivers its result. (<c>Submit(work, default)</c> is ambiguous: pass
    /// <see cref="CancellationToken.None"/> or name the argument.)
    /// </summary>
    /// <typeparam name="T">The work's result type.</typeparam>
    /// <param name="work">The work; its token fires when the caller's token does or the host stops.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <param name="taskType">The kind of work; must match the host's task type when it has one.</param>
    /// <returns>A task that ends the way the work ends, or cancelled with <paramref name="cancellationToken"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="work"/> is null.</exception>
    /// <exception cref="UnknownTaskTypeException">The host accepts only another task type.</exception>
    Task<T> Submit<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken, string? taskType = null);

    /// <summary>
    /// Runs <paramref name="work"/> on the loop, cancelled when <paramref name="cancellationToken"/> fires. See
    /// <see cref="Submit{T}(Func{CancellationToken, Task{T}}, CancellationToken, string?)"/>.
    /// </summary>
    /// <param name="work">The work; its token fires when the caller's token does or the host stops.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <param name="taskType">The kind of work; must match the host's task type when it has one.</param>
    /// <returns>A task that ends the way the work ends, or cancelled with <paramref name="cancellationToken"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="work"/> is null.</exception>
    /// <exception cref="UnknownTaskTypeException">The host accepts only another task type.</exception>
    Task Submit(Func<CancellationToken, Task> work, CancellationToken cancellationToken, string? taskType = null);
#pragma warning restore VSTHRD200

    /// <summary>Creates a manual-reset <see cref="AsyncEvent"/> bound to this host's loop. Thread-safe.</summary>
    /// <returns>A new event, not set.</returns>
    AsyncEvent CreateEvent();

    /// <summary>
    /// Requests the host to stop: new submissions are refused, work in flight is cancelled and joined, and every
    /// returned task ends. Non-blocking, thread-safe and idempotent; use <see cref="WaitForStop()"/> to wait.
    /// </summary>
    void Stop();

    /// <summary>Blocks until the host has stopped (returns at once when it has).</summary>
    /// <exception cref="InvalidOperationException">Called on the loop thread the wait depends on, where it would deadlock.</exception>
    /// <exception cref="LoopHostException">The loop stopped with a failure of its own (the inner exception).</exception>
    void WaitForStop();

    /// <summary>Blocks until the host has stopped or <paramref name="timeout"/> has passed.</summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits without limit.</param>
    /// <returns><see langword="true"/> when the host has stopped; <see langword="false"/> on timeout.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (other than infinite).</exception>
    /// <exception cref="InvalidOperationException">Called on the loop thread the wait depends on, where it would deadlock.</exception>
    /// <exception cref="LoopHostException">The loop stopped with a failure of its own (the inner exception).</exception>
    bool WaitForStop(TimeSpan timeout);
}
