using System.Globalization;

namespace Nursery;

/// <summary>
/// One enumeration of <see cref="TaskManager.WhenEach"/>: the ended children not yet yielded, in the order they ended,
/// and the wait of the enumerating code for the next one.
/// </summary>
/// <remarks>
/// <para>
/// The order is (loop time at which the child ended, spawn order). A child that ended at loop time t is therefore
/// yielded only once no other child can still end at t: when the clock has moved past t, or when the loop has nothing
/// else to do at t (no ready work, no timer due). On a virtual clock that is the moment the loop would jump; on a real
/// clock time has moved on by the next turn. Until then the enumeration re-checks once per turn.
/// </para>
/// <para>Loop thread only.</para>
/// </remarks>
internal sealed class WhenEachEnumerator : IAsyncEnumerator<ChildTask>, IWaitSource
{
    /// <summary>Re-checks on a later turn whether the next child can be yielded.</summary>
    private static readonly SendOrPostCallback s_check = static state => ((WhenEachEnumerator)state!).Check();

    private readonly TaskManager _manager;
    private readonly EventLoop _loop;

    /// <summary>Ended children not yet yielded, from <see cref="_head"/> on, in the order they ended.</summary>
    private readonly List<ChildTask?> _pending = [];

    /// <summary>The next pending child to yield.</summary>
    private int _head;

    /// <summary>Pending children before this index form a batch already put in spawn order (they ended at one loop time).</summary>
    private int _sortedEnd;

    /// <summary>The wait of a MoveNextAsync that found nothing to yield yet.</summary>
    private LoopWaiter<bool>? _waiter;

    /// <summary>Whether a re-check is on the run queue.</summary>
    private bool _checkQueued;

    /// <summary>Whether the enumerating code's own child (excluded from "every child has ended") was looked up.</summary>
    private bool _containerKnown;

    /// <summary>The child of this manager whose code (at any depth) enumerates; null when the code is not inside one.</summary>
    private ChildTask? _container;

    private bool _disposed;

    public WhenEachEnumerator(TaskManager manager, CancellationToken cancellationToken)
    {
        _manager = manager;
        _loop = manager.Loop;
        Token = cancellationToken;
        // Children that ended before the call come first, in the order they ended (spawn order at one loop time).
        var ended = new List<ChildTask>();
        foreach (var child in manager.ChildList)
        {
            if (child.IsEnded && child.StartingUnder is null) ended.Add(child);
        }
        ended.Sort(static (a, b) => a.EndedAt != b.EndedAt ? a.EndedAt.CompareTo(b.EndedAt) : a.Id.CompareTo(b.Id));
        _pending.AddRange(ended);
        manager.AddWhenEach(this);
    }

    /// <summary>The token from WithCancellation / GetAsyncEnumerator.</summary>
    public CancellationToken Token { get; set; }

    /// <inheritdoc />
    public ChildTask Current { get; private set; } = null!;

    /// <summary>A child has ended: queue it, and wake a waiting MoveNextAsync (on a later turn).</summary>
    public void OnChildEnded(ChildTask child)
    {
        _pending.Add(child);
        if (_waiter is { IsWaitOver: false }) QueueCheck();
    }

    /// <inheritdoc />
    public ValueTask<bool> MoveNextAsync()
    {
        _manager.ThrowIfNotOnLoop();
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_waiter is { IsWaitOver: false })
            throw new InvalidOperationException("MoveNextAsync was called while the previous call was still waiting; await each call before the next.");
        _waiter = null;
        var node = LoopSynchronizationContext.CurrentOrRoot(_loop);
        if (node.IsCancelled) return ValueTask.FromException<bool>(node.CancellationException());
        if (Token.IsCancellationRequested) return ValueTask.FromCanceled<bool>(Token);
        if (!_containerKnown)
        {
            _container = FindContainer(node);
            _containerKnown = true;
        }
        if (TryTake(out var next))
        {
            Current = next;
            return new ValueTask<bool>(true);
        }
        if (IsFinished) return new ValueTask<bool>(false);
        var waiter = _waiter = new LoopWaiter<bool>(_loop, node, this);
        waiter.Begin(Token);
        if (_head < _pending.Count) QueueCheck(); // a child ended at this loop time: yield it once the time is settled
        return waiter.Task;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        if (_disposed) return default;
        _disposed = true;
        _manager.RemoveWhenEach(this);
        _pending.Clear();
        _head = _sortedEnd = 0;
        // A MoveNextAsync still waiting (the enumerator was disposed without awaiting it) ends: nothing more will come.
        _waiter?.TrySetResult(false);
        return default;
    }

    /// <inheritdoc />
    string IWaitSource.DescribeWait(LoopWait wait) => string.Create(CultureInfo.InvariantCulture,
        $"waiting in WhenEach for the next child of {_manager.Subject} to end");

    /// <summary>Every child has ended (but the enumerating code's own) and every ended one was yielded.</summary>
    private bool IsFinished => _head == _pending.Count && _manager.AllEndedExcept(_container);

    private void QueueCheck()
    {
        if (_checkQueued) return;
        _checkQueued = true;
        _loop.SettleChecks++;
        _loop.Enqueue(new WorkItem(s_check, this, _loop.RootContext));
    }

    private void Check()
    {
        _checkQueued = false;
        _loop.SettleChecks--;
        if (_waiter is not { IsWaitOver: false } waiter) return;
        if (TryTake(out var next))
        {
            Current = next;
            waiter.TrySetResult(true);
        }
        else if (IsFinished)
        {
            waiter.TrySetResult(false);
        }
        else if (_head < _pending.Count)
        {
            QueueCheck(); // children ended at this loop time, and others may still end at it
        }
    }

    /// <summary>Takes the next child to yield, if the loop time it ended at is settled.</summary>
    private bool TryTake(out ChildTask child)
    {
        child = null!;
        if (_head == _pending.Count) return false;
        if (_head >= _sortedEnd)
        {
            var at = _pending[_head]!.EndedAt;
            if (at >= _loop.Now && !_loop.IsSettledNow) return false;
            var end = _head + 1;
            while (end < _pending.Count && _pending[end]!.EndedAt == at) end++;
            if (end - _head > 1) _pending.Sort(_head, end - _head, SpawnOrder.Instance);
            _sortedEnd = end;
        }
        child = _pending[_head]!;
        _pending[_head++] = null;
        if (_head == _pending.Count)
        {
            _pending.Clear();
            _head = _sortedEnd = 0;
        }
        else if (_head >= 1024 && _head * 2 >= _pending.Count)
        {
            _pending.RemoveRange(0, _head);
            _sortedEnd -= _head;
            _head = 0;
        }
        return true;
    }

    /// <summary>The child of this manager that <paramref name="node"/>'s code belongs to, at any depth (a RunAsync body is not a child).</summary>
    private ChildTask? FindContainer(LoopSynchronizationContext node)
    {
        for (ICancelNode? at = node; at is not null; at = at.Parent)
        {
            if (at is ChildContext { Owner: var owner } && owner.Manager == _manager && owner != _manager.BodyScope && owner.StartingUnder is null)
                return owner;
        }
        return null;
    }

    /// <summary>Orders children by spawn (their ids grow with each spawn).</summary>
    private sealed class SpawnOrder : IComparer<ChildTask?>
    {
        public static readonly SpawnOrder Instance = new();

        public int Compare(ChildTask? x, ChildTask? y) => x!.Id.CompareTo(y!.Id);
    }
}
