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
    private static CancelWalk? t_spare;

    /// <summary>Cancels <paramref name="node"/> itself (a shield does not stop its own cancellation) and everything below it.</summary>
    public static void Cancel(ICancelNode node, CancelCause cause) => Walk(node, cause, fromParent: false);

    /// <summary>Cancels <paramref name="node"/> as if its parent had been cancelled: a shielded node keeps it out.</summary>
    public static void CancelFromParent(ICancelNode node, CancelCause cause) => Walk(node, cause, fromParent: true);

    /// <summary>Abandons <paramref name="node"/> and everything below it (the loop's run ended under them).</summary>
    public static void Abandon(ICancelNode node)
    {
        var walk = Rent();
        node.Abandon(walk);
        while (walk.TryPop(out var next, out _)) next.Abandon(walk);
        Return(walk);
    }

    private static void Walk(ICancelNode node, CancelCause cause, bool fromParent)
    {
        var walk = Rent();
        node.Cancel(cause, fromParent, walk);
        while (walk.TryPop(out var next, out var fireToken))
        {
            if (fireToken) next.FireToken();
            else next.Cancel(cause, fromParent: true, walk);
        }
        Return(walk);
    }

    private static CancelWalk Rent()
    {
        var walk = t_spare ?? new CancelWalk();
        t_spare = null;
        return walk;
    }

    private static void Return(CancelWalk walk)
    {
        // A walk interrupted by an exception leaves steps behind; never hand those to the next walk.
        if (walk.IsEmpty) t_spare = walk;
    }
}
