namespace Nursery;

/// <summary>
/// The nodes nested in one code node: the managers created in its code, the cancel scopes entered in it, and children
/// that are starting under it (<see cref="TaskManager.StartAsync"/>). Adding and removing are O(1) (each node
/// remembers its slot), so code that enters thousands of scopes side by side does not pay a quadratic cost.
/// Loop thread only.
/// </summary>
internal sealed class NestedNodes
{
    /// <summary>The nodes; a removed node's slot is filled by the last one.</summary>
    private readonly List<ICancelNode> _nodes = [];

    /// <summary>How many nodes are nested.</summary>
    public int Count => _nodes.Count;

    /// <summary>The node in slot <paramref name="index"/>.</summary>
    public ICancelNode this[int index] => _nodes[index];

    /// <summary>Adds <paramref name="node"/>, which must not be nested anywhere.</summary>
    public void Add(ICancelNode node)
    {
        System.Diagnostics.Debug.Assert(node.NestedIndex < 0, "A node is nested in one place at a time.");
        node.NestedIndex = _nodes.Count;
        _nodes.Add(node);
    }

    /// <summary>Removes <paramref name="node"/> if it is nested here; does nothing otherwise.</summary>
    public void Remove(ICancelNode node)
    {
        var index = node.NestedIndex;
        if (index < 0 || index >= _nodes.Count || !ReferenceEquals(_nodes[index], node)) return;
        var last = _nodes.Count - 1;
        if (index != last)
        {
            var moved = _nodes[last];
            _nodes[index] = moved;
            moved.NestedIndex = index;
        }
        _nodes.RemoveAt(last);
        node.NestedIndex = -1;
    }

    /// <summary>Pushes every node onto <paramref name="walk"/> so that they come off it in slot order.</summary>
    public void PushTo(CancelWalk walk)
    {
        for (var i = _nodes.Count - 1; i >= 0; i--) walk.Push(_nodes[i]);
    }

    /// <summary>A copy of the nodes, for code that may change the list while it goes through them.</summary>
    public ICancelNode[] ToArray() => [.. _nodes];
}
