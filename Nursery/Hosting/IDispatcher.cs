namespace Nursery;

/// <summary>
/// Runs async work on event loops for synchronous callers, and blocks for the result: the bridge from a
/// synchronous program (no async <c>Main</c>) to async code.
/// </summary>
public interface IDispatcher
{
    /// <summary>
    /// Runs <paramref name="work"/> on a loop and blocks until it has ended. Subtasks inside it run concurrently
    /// (for example under a <see cref="TaskManager"/>).
    /// </summary>
    /// <typeparam name="T">The work's result type.</typeparam>
    /// <param name="work">The work; its token fires on timeout and when the dispatcher is disposed.</param>
    /// <param name="timeout">
    /// How long the work may take, counted from this call; <see langword="null"/> or
    /// <see cref="Timeout.InfiniteTimeSpan"/> for no limit. On timeout the work is cancelled, and the
    /// <see cref="TimeoutException"/> reaches the caller only after the work has ended (its <c>finally</c> blocks
    /// have run). Work that ignores cancellation keeps the caller waiting until it ends.
    /// </param>
    /// <returns>The work's result.</returns>
    /// <exception cref="TimeoutException">The work was cancelled because it took longer than <paramref name="timeout"/>, and has ended.</exception>
    /// <exception cref="InvalidOperationException">Called on one of the dispatcher's own loop threads, where blocking would deadlock.</exception>
    /// <exception cref="ObjectDisposedException">The dispatcher has been disposed.</exception>
    /// <remarks>The work's own exception is rethrown as the same object, not wrapped.</remarks>
    T Execute<T>(Func<CancellationToken, Task<T>> work, TimeSpan? timeout = null);

    /// <summary>Runs <paramref name="work"/> on a loop without blocking: fire-and-forget with a handle to the result.</summary>
    /// <typeparam name="T">The work's result type.</typeparam>
    /// <param name="work">The work; its token fires when the dispatcher is disposed.</param>
    /// <returns>A task that ends the way the work ends.</returns>
    /// <exception cref="ObjectDisposedException">The dispatcher has been disposed.</exception>
    Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> work);

    /// <summary>
    /// Runs <paramref name="work"/> on a loop without blocking, cancelled when <paramref name="cancellationToken"/> fires
    /// (from any thread): the work's token fires and the returned task ends cancelled with <paramref name="cancellationToken"/>.
    /// With a token already cancelled the work does not run.
    /// </summary>
    /// <typeparam name="T">The work's result type.</typeparam>
    /// <param name="work">The work; its token fires when the caller's token does or the dispatcher is disposed.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns>A task for the work's outcome.</returns>
    Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken);
}
