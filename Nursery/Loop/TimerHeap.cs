using System.Diagnostics;

namespace Nursery;

/// <summary>
/// The loop's timers: a binary min-heap keyed by (deadline, sequence), so timers with equal deadlines fire in
/// the order they were set. Each target remembers its index, which makes removal (a cancelled sleep, a
/// cancelled scheduled child) O(log n) instead of leaving stale entries that would make a virtual clock jump.
/// Loop thread only.
/// </summary>
internal sealed class TimerHeap
{
    /// <summary>One heap slot. The key lives inline so sifting does not chase pointers.</summary>
    private struct Entry
    {
        public TimeSpan Deadline;
        public long Sequence;
        public ITimerTarget Target;
    }

    /// <summary>Heap storage; slots at and beyond <see cref="_count"/> are cleared.</summary>
    private Entry[] _entries = new Entry[16];

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
            return _entries[0].Deadline;
        }
    }

    /// <summary>Adds <paramref name="target"/> to fire at <paramref name="deadline"/>.</summary>
    public void Add(ITimerTarget target, TimeSpan deadline)
    {
        Debug.Assert(target.TimerIndex < 0, "A target can be in the heap only once.");
        if (_count == _entries.Length) Array.Resize(ref _entries, _entries.Length * 2);
        var index = _count++;
        _entries[index] = new Entry { Deadline = deadline, Sequence = _nextSequence++, Target = target };
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
        if (_count == 0 || _entries[0].Deadline > now || _entries[0].Sequence >= setBefore)
        {
            target = null!;
            deadline = default;
            return false;
        }
        target = _entries[0].Target;
        deadline = _entries[0].Deadline;
        RemoveAt(0);
        return true;
    }

    /// <summary>Removes <paramref name="target"/> if it is in the heap; does nothing otherwise.</summary>
    public void Remove(ITimerTarget target)
    {
        var index = target.TimerIndex;
        if (index < 0) return;
        Debug.Assert(index < _count && ReferenceEquals(_entries[index].Target, target), "TimerIndex must point at the target's own slot.");
        RemoveAt(index);
    }

    /// <summary>The deadline of <paramref name="target"/>, or null when it is not in the heap.</summary>
    public TimeSpan? DeadlineOf(ITimerTarget target)
    {
        var index = target.TimerIndex;
        return index >= 0 && index < _count && ReferenceEquals(_entries[index].Target, target) ? _entries[index].Deadline : null;
    }

    /// <summary>Drops every timer (the loop abandons timers that belong to nobody when Run ends).</summary>
    public void Clear()
    {
        for (var i = 0; i < _count; i++) _entries[i].Target.TimerIndex = -1;
        Array.Clear(_entries, 0, _count);
        _count = 0;
    }

    private void RemoveAt(int index)
    {
        _entries[index].Target.TimerIndex = -1;
        var last = --_count;
        if (index != last)
        {
            _entries[index] = _entries[last];
            _entries[index].Target.TimerIndex = index;
            _entries[last] = default;
            // The moved entry may belong above or below its new slot.
            if (index > 0 && Less(index, (index - 1) / 2)) SiftUp(index);
            else SiftDown(index);
        }
        else
        {
            _entries[last] = default;
        }
        AssertInvariants();
    }

    private bool Less(int a, int b)
    {
        ref var x = ref _entries[a];
        ref var y = ref _entries[b];
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
        (_entries[a], _entries[b]) = (_entries[b], _entries[a]);
        _entries[a].Target.TimerIndex = a;
        _entries[b].Target.TimerIndex = b;
    }

    // Stryker disable all : compiled only with DEBUG_HEAP defined, so no test can reach a mutant in here
    [Conditional("DEBUG_HEAP")]
    private void AssertInvariants()
    {
        for (var i = 1; i < _count; i++)
            Debug.Assert(!Less(i, (i - 1) / 2), "Every entry fires no earlier than its parent.");
        for (var i = 0; i < _count; i++)
            Debug.Assert(_entries[i].Target.TimerIndex == i, "Every target knows its own slot.");
    }
    // Stryker restore all
}
