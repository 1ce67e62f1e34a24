using System.Collections;

namespace Nursery;

/// <summary>
/// An append-mostly list stored in fixed-size segments: a manager's children. Appending never copies, and no
/// array reaches the large-object heap, whose allocations would trigger gen2 collections for managers with more
/// than about ten thousand children (a <see cref="List{T}"/> crosses that line at 10,625 references).
/// </summary>
/// <remarks>
/// Not thread-safe. Enumerating while items are added sees the added items (no "collection modified" error). The first
/// segment starts small and doubles up to the segment size, so a manager with a handful of children (a nested manager
/// per request, say) costs tens of bytes, not a 4 KB segment.
/// </remarks>
/// <typeparam name="T">The item type.</typeparam>
internal sealed class SegmentedList<T> : IReadOnlyList<T>
{
    /// <summary>log2 of the segment size: 512 items, 4 KB of references.</summary>
    private const int Shift = 9;
    private const int SegmentSize = 1 << Shift;
    private const int Mask = SegmentSize - 1;

    /// <summary>The first segment's length when the first item arrives.</summary>
    private const int FirstSegmentSize = 4;

    /// <summary>The segments; all but the last are full. The first one may be shorter than the others while it grows.</summary>
    private T[][] _segments = new T[1][];

    /// <summary>Number of items.</summary>
    private int _count;

    /// <inheritdoc />
    public int Count => _count;

    /// <inheritdoc />
    public T this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_count) throw new ArgumentOutOfRangeException(nameof(index), index, "The index is outside the list.");
            return _segments[index >> Shift][index & Mask];
        }
    }

    /// <summary>Appends <paramref name="item"/>.</summary>
    public void Add(T item)
    {
        var count = _count;
        if (count < SegmentSize)
        {
            // The first segment: grow it by doubling until it has the full size.
            var first = _segments[0];
            if (first is null) _segments[0] = first = new T[FirstSegmentSize];
            else if (count == first.Length) Array.Resize(ref _segments[0], count * 2);
            _segments[0][count] = item;
        }
        else
        {
            var segment = count >> Shift;
            if (segment == _segments.Length) Array.Resize(ref _segments, _segments.Length * 2);
            (_segments[segment] ??= new T[SegmentSize])[count & Mask] = item;
        }
        _count = count + 1;
    }

    /// <summary>Removes every item matching <paramref name="match"/>, keeping the others in order. O(n).</summary>
    public void RemoveAll(Func<T, bool> match)
    {
        var kept = 0;
        for (var i = 0; i < _count; i++)
        {
            var item = _segments[i >> Shift][i & Mask];
            if (match(item)) continue;
            _segments[kept >> Shift][kept & Mask] = item;
            kept++;
        }
        for (var i = kept; i < _count; i++) _segments[i >> Shift][i & Mask] = default!;
        // Give back the segments that are now unused (beyond the one the next Add writes into).
        for (var s = (kept >> Shift) + 1; s < _segments.Length; s++) _segments[s] = null!;
        _count = kept;
    }

    /// <summary>A copy of the items, in order.</summary>
    public T[] ToArray()
    {
        var array = new T[_count];
        for (var i = 0; i < _count; i++) array[i] = _segments[i >> Shift][i & Mask];
        return array;
    }

    /// <inheritdoc />
    public IEnumerator<T> GetEnumerator()
    {
        for (var i = 0; i < _count; i++) yield return _segments[i >> Shift][i & Mask];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
