using System.Diagnostics;

namespace Nursery;

/// <summary>
/// The loop's timers: a binary min-heap keyed by (deadline, sequence), so timers with equal deadlines fire in
/// the order they were set. Each target remembers its index, which makes removal (a cancelled sleep, a
/// cancelled scheduled child) O(log n) instead of leaving stale entries that would make a virtual clock jump.
/// Loop thread only.
/// </summary>
/// <remarks>
/// The heap is stored in segments of 2,048 entries (48 KB, below the large-object threshold), the first of which starts
/// small and doubles: a million timers do not grow one array on the large-object heap, where every doubling would leave
/// the previous array behind as uncompacted garbage (about as much again as the heap itself).
/// </remarks>
internal sealed class TimerHeap
{
    /// <summary>One heap slot. The key lives inline so sifting does not chase pointers.</summary>
    private struct Entry
    {
        public TimeSpan Deadline;
        public long Sequence;
        public ITimerTarget Target;
    }

    /// <summary>log2 of the segment size.</summary>
    private const int Shift = 11;
    private const int SegmentSize = 1 << Shift;
    private const int Mask = SegmentSize - 1;

    /// <summary>Heap storage: entry i is at [i &gt;&gt; Shift][i &amp; Mask]; slots at and beyond <see cref="_count"/> are cleared.</summary>
    private Entry[][] _segments = [new Entry[16]];

    /// <summary>Number of live entries.</summary>
    private int _count;

    /// <summary>Next tie-breaker; increases with every <see cref="Add"/>.</summary>
    private long _nextSequence;

    /// <summary>Number of pending timers.</summary>
    public int Count => _count;

    /// <summary>The earliest deadline. Only valid when <see cref="Count"/> is positive.</summary>
    public TimeSpan NextDeadline
    {
        get
        {
            Debug.Assert(_count > 0, "NextDeadline needs at least one timer.");
            return _segments[0][0].Deadline;
        }
    }

    /// <summary>Adds <paramref name="target"/> to fire at <paramref name="deadline"/>.</summary>
    public void Add(ITimerTarget target, TimeSpan deadline)
    {
        Debug.Assert(target.TimerIndex < 0, "A target can be in the heap only once.");
        var index = _count;
        Grow(index);
        _count = index + 1;
        At(index) = new Entry { Deadline = deadline, Sequence = _nextSequence++, Target = target };
        target.TimerIndex = index;
        SiftUp(index);
        AssertInvariants();
    }

    /// <summary>The sequence number the next <see cref="Add"/> will get.</summary>
    public long NextSequence => _nextSequence;

    /// <summary>
    /// Removes and returns the earliest timer if its deadline is at or before <paramref name="now"/> and it was
    /// set before sequence number <paramref name="setBefore"/>.
    /// </summary>
    public bool TryPopDue(TimeSpan now, long setBefore, out ITimerTarget target, out TimeSpan deadline)
    {
        ref var first = ref _segments[0][0];
        if (_count == 0 || first.Deadline > now || first.Sequence >= setBefore)
        {
            target = null!;
            deadline = default;
            return false;
        }
        target = first.Target;
        deadline = first.Deadline;
        RemoveAt(0);
        return true;
    }

    /// <summary>Removes <paramref name="target"/> if it is in the heap; does nothing otherwise.</summary>
    public void Remove(ITimerTarget target)
    {
        var index = target.TimerIndex;
        if (index < 0) return;
        Debug.Assert(index < _count && ReferenceEquals(At(index).Target, target), "TimerIndex must point at the target's own slot.");
        RemoveAt(index);
    }

    /// <summary>The deadline of <paramref name="target"/>, or null when it is not in the heap.</summary>
    public TimeSpan? DeadlineOf(ITimerTarget target)
    {
        var index = target.TimerIndex;
        return index >= 0 && index < _count && ReferenceEquals(At(index).Target, target) ? At(index).Deadline : null;
    }

    /// <summary>Drops every timer (the loop abandons timers that belong to nobody when Run ends).</summary>
    public void Clear()
    {
        for (var i = 0; i < _count; i++)
        {
            ref var entry = ref At(i);
            entry.Target.TimerIndex = -1;
            entry = default;
        }
        _count = 0;
    }

    private void RemoveAt(int index)
    {
        ref var removed = ref At(index);
        removed.Target.TimerIndex = -1;
        var last = --_count;
        if (index != last)
        {
            ref var moved = ref At(last);
            removed = moved;
            removed.Target.TimerIndex = index;
            moved = default;
            // The moved entry may belong above or below its new slot.
            if (index > 0 && Less(index, (index - 1) / 2)) SiftUp(index);
            else SiftDown(index);
        }
        else
        {
            removed = default;
        }
        AssertInvariants();
    }

    private bool Less(int a, int b)
    {
        ref var x = ref At(a);
        ref var y = ref At(b);
        return x.Deadline < y.Deadline || (x.Deadline == y.Deadline && x.Sequence < y.Sequence);
    }

    private void SiftUp(int index)
    {
        while (index > 0)
        {
            var parent = (index - 1) / 2;
            if (!Less(index, parent)) break;
            Swap(index, parent);
            index = parent;
        }
    }

    private void SiftDown(int index)
    {
        while (true)
        {
            var left = 2 * index + 1;
            if (left >= _count) break;
            var smallest = left + 1 < _count && Less(left + 1, left) ? left + 1 : left;
            if (!Less(smallest, index)) break;
            Swap(index, smallest);
            index = smallest;
        }
    }

    private void Swap(int a, int b)
    {
        ref var x = ref At(a);
        ref var y = ref At(b);
        (x, y) = (y, x);
        x.Target.TimerIndex = a;
        y.Target.TimerIndex = b;
    }

    /// <summary>The slot of entry <paramref name="index"/>.</summary>
    private ref Entry At(int index) => ref _segments[index >> Shift][index & Mask];

    /// <summary>Makes room for entry <paramref name="index"/> (the next one): the first segment doubles, then segments are added.</summary>
    private void Grow(int index)
    {
        if (index < SegmentSize)
        {
            if (index == _segments[0].Length) Array.Resize(ref _segments[0], index * 2);
            return;
        }
        var segment = index >> Shift;
        if (segment == _segments.Length) Array.Resize(ref _segments, _segments.Length * 2);
        _segments[segment] ??= new Entry[SegmentSize];
    }

    // Stryker disable all : compiled only with DEBUG_HEAP defined, so no test can reach a mutant in here
    [Conditional("DEBUG_HEAP")]
    private void AssertInvariants()
    {
        for (var i = 1; i < _count; i++)
            Debug.Assert(!Less(i, (i - 1) / 2), "Every entry fires no earlier than its parent.");
        for (var i = 0; i < _count; i++)
            Debug.Assert(At(i).Target.TimerIndex == i, "Every target knows its own slot.");
    }
    // Stryker restore all
}
