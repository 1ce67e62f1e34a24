namespace Nursery;

/// <summary>
/// A FIFO of <see cref="LoopWait"/>s, linked through the waits themselves: enqueue, dequeue and removing a cancelled
/// wait from the middle are O(1) and allocate nothing. Loop thread only.
/// </summary>
internal sealed class WaitQueue
{
    private LoopWait? _first, _last;

    /// <summary>How many waits are queued.</summary>
    public int Count { get; private set; }

    /// <summary>The wait that has waited longest, or null.</summary>
    public LoopWait? First => _first;

    /// <summary>Queues <paramref name="wait"/> at the back.</summary>
    public void Enqueue(LoopWait wait)
    {
        wait.Queue = this;
        wait.QueuePrevious = _last;
        wait.QueueNext = null;
        if (_last is null) _first = wait;
        else _last.QueueNext = wait;
        _last = wait;
        Count++;
    }

    /// <summary>Takes the wait that has waited longest.</summary>
    public bool TryDequeue(out LoopWait wait)
    {
        if (_first is not { } first)
        {
            wait = null!;
            return false;
        }
        Remove(first);
        wait = first;
        return true;
    }

    /// <summary>Takes <paramref name="wait"/> out; nothing happens when it is not in this queue.</summary>
    public void Remove(LoopWait wait)
    {
        if (wait.Queue != this) return;
        if (wait.QueuePrevious is { } previous) previous.QueueNext = wait.QueueNext;
        else _first = wait.QueueNext;
        if (wait.QueueNext is { } next) next.QueuePrevious = wait.QueuePrevious;
        else _last = wait.QueuePrevious;
        wait.Queue = null;
        wait.QueuePrevious = wait.QueueNext = null;
        Count--;
    }

    /// <summary>The queued waits, oldest first (for diagnosis).</summary>
    public IEnumerable<LoopWait> Items()
    {
        for (var wait = _first; wait is not null; wait = wait.QueueNext) yield return wait;
    }
}
