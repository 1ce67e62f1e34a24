namespace Nursery;

/// <summary>
/// The pending steps of one walk over the cancellation tree (see <see cref="CancelTree"/>): nodes to visit, and tokens
/// to fire once everything below their node has been visited. An explicit stack, so a walk never recurses on the call
/// stack however deep the tree.
/// </summary>
/// <remarks>
/// Flags are set top-down (pre-order) and tokens fire bottom-up (post-order): when a manager's token fires, every child
/// below it has already been marked and had its own token fired, as when cancellation was pushed down recursively.
/// </remarks>
internal sealed class CancelWalk
{
    /// <summary>A step: visit <see cref="Node"/>, or fire its token (<see cref="FireToken"/>).</summary>
    private readonly record struct Step(ICancelNode Node, bool FireToken);

    private readonly Stack<Step> _steps = new();

    /// <summary>Whether nothing is left to do.</summary>
    public bool IsEmpty => _steps.Count == 0;

    /// <summary>Visits <paramref name="node"/> next (before the steps pushed earlier).</summary>
    public void Push(ICancelNode node) => _steps.Push(new Step(node, FireToken: false));

    /// <summary>Fires <paramref name="node"/>'s token once the nodes pushed after this call have been visited.</summary>
    public void FireTokenAfterBelow(ICancelNode node) => _steps.Push(new Step(node, FireToken: true));

    /// <summary>Takes the next step.</summary>
    public bool TryPop(out ICancelNode node, out bool fireToken)
    {
        if (_steps.TryPop(out var step))
        {
            node = step.Node;
            fireToken = step.FireToken;
            return true;
        }
        node = null!;
        fireToken = false;
        return false;
    }
}
