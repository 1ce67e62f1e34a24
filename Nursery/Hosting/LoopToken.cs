namespace Nursery;

/// <summary>
/// A hold on a <see cref="SharedLoop"/>: the loop runs while any token is held. Release it (or dispose it, with
/// <c>using</c>) when done; the last release stops the loop. Releasing twice is harmless.
/// </summary>
public sealed class LoopToken : IDisposable
{
    /// <summary>1 once released. Interlocked, so racing releases count once.</summary>
    private int _released;

    internal LoopToken(SharedLoop owner, LoopThread host)
    {
        Owner = owner;
        Host = host;
    }

    /// <summary>The shared loop this token holds.</summary>
    internal SharedLoop Owner { get; }

    /// <summary>The run of the loop this token was taken in (it keeps running while the token is held).</summary>
    internal LoopThread Host { get; }

    /// <summary>
    /// Releases the hold. When it was the last one, the loop stops: work still running is cancelled and joined,
    /// and (except when called on the loop's own thread) the loop has stopped when this returns. Later calls do nothing.
    /// </summary>
    /// <exception cref="LoopHostException">The loop stopped with a failure of its own.</exception>
    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) Owner.Release();
    }

    /// <summary>Same as <see cref="Release"/>.</summary>
    public void Dispose() => Release();
}
