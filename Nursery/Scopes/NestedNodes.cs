namespace Nursery;

/// <summary>
/// The nodes nested in one code node: the managers created in its code, the cancel scopes entered in it, and children
/// that are starting under it (<see cref="TaskManager.StartAsync"/>). Adding and removing are O(1) (each node
/// remembers its slot), so code that enters thousands of scopes side by side does not pay a quadratic cost.
/// Loop thread only.
/// </summary>
/// <remarks>
/// The first slot is a field: most code nests one thing at a time (a scope around a call, a manager), and then this
/// object is all it costs. An array holds the rest once there is a second.
/// </remarks>
internal sealed class NestedNodes
{
    /// <summary>Slot 0.</summary>
    private ICancelNode? _first;

    /// <summary>Slots 1 and up, at index - 1; made when a second node is added. A removed node's slot is filled by the last one.</summary>
    private ICancelNode?[]? _rest;

    /// <summary>How many nodes are nested.</summary>
    public int Count { get; private set; }

    /// <summary>The node in slot <paramref name="index"/>.</summary>
    public ICancelNode this[int index] => (index == 0 ? _first : _rest![index - 1])!;

    /// <summary>Adds <paramref name="node"/>, which must not be nested anywhere.</summary>
    public void Add(ICancelNode node)
    {
        System.Diagnostics.Debug.Assert(node.NestedIndex < 0, "A node is nested in one place at a time.");
        var index = Count;
        if (index == 0)
        {
            _first = node;
        }
        else
        {
            if (_rest is null) _rest = new ICancelNode?[4];
            else if (index - 1 == _rest.Length) Array.Resize(ref _rest, _rest.Length * 2);
            _rest[index - 1] = node;
        }
        node.NestedIndex = index;
        Count = index + 1;
    }

    /// <summary>Removes <paramref name="node"/> if it is nested here; does nothing otherwise.</summary>
    public void Remove(ICancelNode node)
    {
        var index = node.NestedIndex;
        if (index < 0 || index >= Count || !ReferenceEquals(this[index], node)) return;
        var last = Count - 1;
        if (index != last)
        {
            var moved = this[last];
            Set(index, moved);
            moved.NestedIndex = index;
        }
        Set(last, null);
        Count = last;
        node.NestedIndex = -1;
    }

    /// <summary>Pushes every node onto <paramref name="walk"/> so that they come off it in slot order.</summary>
    public void PushTo(CancelWalk walk)
    {
        for (var i = Count - 1; i >= 0; i--) walk.Push(this[i]);
    }

    /// <summary>A copy of the nodes, for code that may change the list while it goes through them.</summary>
    public ICancelNode[] ToArray()
    {
        var copy = new ICancelNode[Count];
        for (var i = 0; i < copy.Length; i++) copy[i] = this[i];
        return copy;
    }

    private void Set(int index, ICancelNode? node)
    {
        if (index == 0) _first = node;
        else _rest![index - 1] = node;
    }
}
