using System.Diagnostics;
using System.Globalization;

namespace Nursery;

/// <summary>
/// A limit on how many pieces of loop code may do something at once (Trio's <c>CapacityLimiter</c>): a pool of tokens,
/// borrowed with <see cref="AcquireAsync"/> and given back with <see cref="Release"/>. Share one between managers to cap
/// the requests to one host, the open files, the connections of a pool, whatever the code inside them spawns.
/// </summary>
/// <remarks>
/// <para>
/// Waiters get tokens strictly in the order they asked (FIFO, no barging: <see cref="TryAcquire"/> fails while anyone
/// waits). <see cref="AcquireAsync"/> is a cancellation checkpoint: once the calling code is cancelled (its child, its
/// manager, a cancel scope around it) it throws <see cref="OperationCanceledException"/> instead of waiting, and a
/// waiter whose code is cancelled leaves the queue. Waiters resume on the loop, on a later turn.
/// </para>
/// <para>
/// A token belongs to the child whose code borrowed it (listed in <see cref="Borrowers"/>, for diagnosis), and that code
/// gives it back: a child cannot hold two tokens of one limiter (with one token it would wait for itself forever), and
/// <see cref="Release"/> from code that holds none is a mistake that throws. Code outside any child (<c>main</c>) may
/// hold several. Loop thread only; a bounded <see cref="TaskManager"/> (<see cref="TaskManagerOptions.MaxConcurrency"/>)
/// is the simpler tool when the limit concerns one manager's children.
/// </para>
/// </remarks>
[DebuggerDisplay("CapacityLimiter: {BorrowedTokens} of {TotalTokens} borrowed, {WaitingCount} waiting")]
public sealed class CapacityLimiter : IWaitSource
{
    /// <summary>The loop whose code borrows the tokens.</summary>
    private readonly EventLoop _loop;

    /// <summary>The code waiting for a token, FIFO. Loop thread only.</summary>
    private readonly WaitQueue _waiting = new();

    /// <summary>Who holds each borrowed token, in the order they got it: the child, or null for code outside any child. Loop thread only.</summary>
    private readonly List<ChildTask?> _borrowers = [];

    /// <summary>Backs <see cref="TotalTokens"/>. Loop thread only.</summary>
    private int _total;

    /// <summary>Creates a limiter with <paramref name="totalTokens"/> tokens on the loop running on this thread.</summary>
    /// <param name="totalTokens">How many may borrow at once; at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="totalTokens"/> is less than 1.</exception>
    /// <exception cref="InvalidOperationException">No event loop is running on this thread.</exception>
    public CapacityLimiter(int totalTokens)
        : this(EventLoop.Current ?? throw ThrowHelper.NotOnLoop("new CapacityLimiter(totalTokens)"), totalTokens)
    {
    }

    /// <summary>Creates a limiter with <paramref name="totalTokens"/> tokens for code running on <paramref name="loop"/>.</summary>
    /// <param name="loop">The loop whose code borrows the tokens.</param>
    /// <param name="totalTokens">How many may borrow at once; at least 1.</param>
    /// <exception cref="ArgumentNullException"><paramref name="loop"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="totalTokens"/> is less than 1.</exception>
    public CapacityLimiter(EventLoop loop, int totalTokens)
    {
        ArgumentNullException.ThrowIfNull(loop);
        _loop = loop;
        _total = CheckTotal(totalTokens);
    }

    /// <summary>
    /// How many tokens there are. Raising it hands the new tokens to waiters at once; lowering it below
    /// <see cref="BorrowedTokens"/> takes none back: new borrowers wait until enough are released.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    /// <exception cref="InvalidOperationException">Set from a thread other than the loop's.</exception>
    public int TotalTokens
    {
        get => _total;
        set
        {
            ThrowIfNotOnLoop();
            _total = CheckTotal(value);
            HandOut();
        }
    }

    /// <summary>How many tokens are borrowed now.</summary>
    public int BorrowedTokens => _borrowers.Count;

    /// <summary>How many tokens could be borrowed now without waiting (ignoring the queue).</summary>
    public int AvailableTokens => Math.Max(0, _total - _borrowers.Count);

    /// <summary>How many are waiting for a token.</summary>
    public int WaitingCount => _waiting.Count;

    /// <summary>
    /// The children holding a token, in the order they got it (for diagnosis: who is hogging the limit). Tokens held by
    /// code outside any child count in <see cref="BorrowedTokens"/> but are not listed.
    /// </summary>
    /// <exception cref="InvalidOperationException">Read from a thread other than the loop's while it runs.</exception>
    public IReadOnlyList<ChildTask> Borrowers
    {
        get
        {
            if (EventLoop.Current != _loop && _loop.IsRunning) ThrowIfNotOnLoop();
            return _borrowers.Where(static b => b is not null).ToList()!;
        }
    }

    /// <summary>
    /// Borrows a token, waiting (FIFO) until one is free. A cancellation checkpoint: cancelled code, or a cancelled
    /// <paramref name="cancellationToken"/>, gets <see cref="OperationCanceledException"/> and no token. It suspends only
    /// when it has to wait. Give the token back with <see cref="Release"/>, in a <c>finally</c>.
    /// </summary>
    /// <param name="cancellationToken">Ends the wait early (the token is then not borrowed).</param>
    /// <returns>A task that completes once the token is borrowed.</returns>
    /// <exception cref="InvalidOperationException">
    /// The calling child already holds a token of this limiter, or this is not the loop's thread.
    /// </exception>
    public ValueTask AcquireAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfNotOnLoop();
        var node = LoopSynchronizationContext.CurrentOrRoot(_loop);
        ThrowIfHolding(node.Child);
        if (node.IsCancelled) return ValueTask.FromException(node.CancellationException());
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled(cancellationToken);
        if (_waiting.Count == 0 && _borrowers.Count < _total)
        {
            _borrowers.Add(node.Child);
            return default;
        }
        var waiter = new LoopWaiter<bool>(_loop, node, this);
        _waiting.Enqueue(waiter);
        waiter.Begin(cancellationToken);
        return waiter.VoidTask;
    }

    /// <summary>Borrows a token if one is free and nobody waits for one; never waits.</summary>
    /// <returns>True when the token was borrowed.</returns>
    /// <exception cref="InvalidOperationException">The calling child already holds a token of this limiter, or this is not the loop's thread.</exception>
    public bool TryAcquire()
    {
        ThrowIfNotOnLoop();
        var child = LoopSynchronizationContext.CurrentOrRoot(_loop).Child;
        ThrowIfHolding(child);
        if (_waiting.Count > 0 || _borrowers.Count >= _total) return false;
        _borrowers.Add(child);
        return true;
    }

    /// <summary>Gives back the token the calling code borrowed; the code that has waited longest gets it.</summary>
    /// <exception cref="InvalidOperationException">The calling code holds no token of this limiter, or this is not the loop's thread.</exception>
    public void Release()
    {
        ThrowIfNotOnLoop();
        var child = LoopSynchronizationContext.CurrentOrRoot(_loop).Child;
        var index = _borrowers.IndexOf(child);
        if (index < 0)
        {
            throw new InvalidOperationException(
                $"{(child is null ? "This code" : $"Child {child.Label}")} releases a token of this CapacityLimiter, but holds none " +
                $"({_borrowers.Count} of {_total} borrowed). Release exactly once, from the code that acquired the token " +
                "(await limiter.AcquireAsync(); try { ... } finally { limiter.Release(); }).");
        }
        _borrowers.RemoveAt(index);
        HandOut();
    }

    /// <inheritdoc />
    string IWaitSource.DescribeWait(LoopWait wait) => string.Create(CultureInfo.InvariantCulture,
        $"waiting for a CapacityLimiter token ({_borrowers.Count} of {_total} borrowed{HoldersText()})");

    /// <summary>Gives free tokens to the waiters, oldest first.</summary>
    private void HandOut()
    {
        while (_borrowers.Count < _total && _waiting.TryDequeue(out var wait))
        {
            var waiter = (LoopWaiter<bool>)wait;
            _borrowers.Add(waiter.Node.Child);
            waiter.TrySetResult(true);
        }
    }

    private string HoldersText()
    {
        var labels = _borrowers.Where(static b => b is not null).Take(5).Select(static b => b!.Label).ToList();
        return labels.Count == 0 ? "" : $", by {string.Join(", ", labels)}{(_borrowers.Count > labels.Count ? ", …" : "")}";
    }

    private void ThrowIfHolding(ChildTask? child)
    {
        if (child is not null && _borrowers.Contains(child))
        {
            throw new InvalidOperationException(
                $"Child {child.Label} already holds a token of this CapacityLimiter: a child borrows at most one at a time " +
                "(with one token left it would wait for itself forever). Release it first, or spawn a child for the second piece of work.");
        }
    }

    private void ThrowIfNotOnLoop()
    {
        if (EventLoop.Current != _loop)
        {
            throw new InvalidOperationException(
                "This CapacityLimiter belongs to an event loop that is not running on this thread. Use it from code running " +
                "on its loop; from another thread, go through a loop host (ILoopHost.Submit).");
        }
    }

    private static int CheckTotal(int value) => value >= 1
        ? value
        : throw new ArgumentOutOfRangeException(nameof(TotalTokens), value, "A CapacityLimiter needs at least 1 token.");
}
