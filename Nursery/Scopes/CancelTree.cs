namespace Nursery;

/// <summary>
/// The walks over the cancellation tree (see <see cref="ICancelNode"/>): cancel a node and everything below it, or
/// abandon it. Each walk keeps its own explicit stack, so neither recurses on the call stack however deep the tree.
/// </summary>
/// <remarks>
/// Token callbacks run during a cancel walk (a node's token fires as the walk reaches it), and they may start walks of
/// their own: each walk takes its own stack, and every node's step is idempotent, so a node that a nested walk already
/// reached, or that ended meanwhile, is passed over. Loop thread only.
/// </remarks>
internal static class CancelTree
{
    /// <summary>A spare stack for the next walk on this thread; a walk that starts inside another takes a new one.</summary>
    [ThreadStatic]
    private static Stack<ICancelNode>? t_spare;

    /// <summary>Cancels <paramref name="node"/> itself (a shield does not stop its own cancellation) and everything below it.</summary>
    public static void Cancel(ICancelNode node, CancelCause cause) => Walk(node, cause, fromParent: false);

    /// <summary>Cancels <paramref name="node"/> as if its parent had been cancelled: a shielded node keeps it out.</summary>
    public static void CancelFromParent(ICancelNode node, CancelCause cause) => Walk(node, cause, fromParent: true);

    /// <summary>Abandons <paramref name="node"/> and everything below it (the loop's run ended under them).</summary>
    public static void Abandon(ICancelNode node)
    {
        var below = Rent();
        node.Abandon(below);
        while (below.TryPop(out var next)) next.Abandon(below);
        Return(below);
    }

    private static void Walk(ICancelNode node, CancelCause cause, bool fromParent)
    {
        var below = Rent();
        node.Cancel(cause, fromParent, below);
        while (below.TryPop(out var next)) next.Cancel(cause, fromParent: true, below);
        Return(below);
    }

    private static Stack<ICancelNode> Rent()
    {
        var stack = t_spare ?? new Stack<ICancelNode>();
        t_spare = null;
        return stack;
    }

    private static void Return(Stack<ICancelNode> stack)
    {
        // A walk interrupted by an exception leaves entries behind; never hand those to the next walk.
        if (stack.Count == 0) t_spare = stack;
    }
}
