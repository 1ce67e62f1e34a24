using System.Diagnostics;

namespace Nursery;

/// <summary>
/// A FIFO of <see cref="WorkItem"/>s stored in fixed-size segments: the loop's run queue, and the inbox's queue of
/// work posted from other threads. Not thread-safe; the inbox guards its instance with its lock.
/// </summary>
/// <remarks>
/// Why not <see cref="Queue{T}"/>: a burst of 100k spawns would grow one array onto the large-object heap (whose
/// allocations trigger gen2 collections) and copy it at every doubling; segments stay small and are recycled. And
/// a whole queue can be appended to another in O(1) (<see cref="MoveAllTo"/>), so draining the inbox into the run
/// queue does not copy every item a second time.
/// </remarks>
internal sealed class WorkQueue
{
    /// <summary>Items per segment: 256 × 24 bytes, far below the large-object threshold.</summary>
    private const int SegmentSize = 256;

    /// <summary>
    /// Empty segments kept for reuse, so a loop that breathes in bursts stops allocating: up to 1024 segments
    /// (256k items, 6 MB), about what a <see cref="Queue{T}"/> would keep after the same burst.
    /// </summary>
    private const int MaxSpareSegments = 1024;

    /// <summary>A run of items; <see cref="Head"/>..<see cref="Tail"/> are live.</summary>
    private sealed class Segment
    {
        public readonly WorkItem[] Items = new WorkItem[SegmentSize];
        public int Head;
        public int Tail;
        public Segment? Next;
    }

    /// <summary>The segment items are taken from; null when the queue has never held anything.</summary>
    private Segment? _head;

    /// <summary>The segment items are added to.</summary>
    private Segment? _tail;

    /// <summary>Recycled empty segments (a singly linked list through <see cref="Segment.Next"/>).</summary>
    private Segment? _spare;

    /// <summary>Number of recycled segments in <see cref="_spare"/>.</summary>
    private int _spareCount;

    /// <summary>Number of items in the queue.</summary>
    public int Count { get; private set; }

    /// <summary>Adds <paramref name="item"/> at the back.</summary>
    public void Enqueue(in WorkItem item)
    {
        var tail = _tail;
        if (tail is null || tail.Tail == SegmentSize)
        {
            var segment = NewSegment();
            if (tail is null) _head = segment;
            else tail.Next = segment;
            _tail = tail = segment;
        }
        tail.Items[tail.Tail++] = item;
        Count++;
    }

    /// <summary>Takes the item at the front, if any.</summary>
    public bool TryDequeue(out WorkItem item)
    {
        var head = _head;
        while (head is not null && head.Head == head.Tail)
        {
            // This segment is used up (it is full, or another queue's chain was appended after it).
            if (head.Next is null)
            {
                head.Head = head.Tail = 0; // the only segment: reuse it in place
                item = default;
                return false;
            }
            _head = head.Next;
            Recycle(head);
            head = _head;
        }
        if (head is null)
        {
            item = default;
            return false;
        }
        ref var slot = ref head.Items[head.Head++];
        item = slot;
        slot = default; // let the callback's state be collected
        Count--;
        return true;
    }

    /// <summary>Appends every item of this queue to the back of <paramref name="destination"/>, in order, and leaves this one empty. O(1).</summary>
    public void MoveAllTo(WorkQueue destination)
    {
        Debug.Assert(destination != this, "A queue cannot be appended to itself.");
        if (Count == 0) return;
        if (destination._tail is null) destination._head = _head;
        else destination._tail.Next = _head;
        destination._tail = _tail;
        destination.Count += Count;
        _head = _tail = null;
        Count = 0;
    }

    /// <summary>Drops every item.</summary>
    public void Clear()
    {
        while (_head is { } segment)
        {
            _head = segment.Next;
            Array.Clear(segment.Items, segment.Head, segment.Tail - segment.Head);
            Recycle(segment);
        }
        _tail = null;
        Count = 0;
    }

    private Segment NewSegment()
    {
        if (_spare is not { } segment) return new Segment();
        _spare = segment.Next;
        _spareCount--;
        segment.Next = null;
        segment.Head = segment.Tail = 0;
        return segment;
    }

    private void Recycle(Segment segment)
    {
        if (_spareCount == MaxSpareSegments) return;
        segment.Next = _spare;
        segment.Head = segment.Tail = 0;
        _spare = segment;
        _spareCount++;
    }
}
