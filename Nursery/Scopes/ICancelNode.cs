namespace Nursery;

/// <summary>
/// A node of the cancellation tree. Code runs at the code nodes: a child's code, a <see cref="TaskManager.RunAsync(Func{TaskManager, Task})"/>
/// body and the body of an entered <see cref="CancelScope"/> (each is a <see cref="LoopSynchronizationContext"/>, so
/// every <c>await</c> of that code carries its node with it). A <see cref="TaskManager"/> is the node that groups its
/// children. A code node holds the managers created and the scopes entered in its code; a manager holds its children.
/// </summary>
/// <remarks>
/// Cancellation flows down this tree eagerly: when a node is cancelled, every node below it that is not behind a
/// shield is marked at once, so a checkpoint only reads a flag on its own node. The walks that do this never recurse
/// on the call stack (see <see cref="CancelTree"/>): a tree 100,000 levels deep is cancelled and abandoned safely.
/// Loop thread only.
/// </remarks>
internal interface ICancelNode
{
    /// <summary>This node's slot in its parent code node's list of nested nodes (-1 when it is in none).</summary>
    int NestedIndex { get; set; }

    /// <summary>The node above this one (null at the top of the loop): what a walk up the tree follows.</summary>
    ICancelNode? Parent { get; }

    /// <summary>
    /// Cancellation reached this node: from the node above it (<paramref name="fromParent"/>; a shielded node ignores
    /// that) or from itself. Marks the node, applies its local effects (its pending sleeps wake), asks the walk to fire
    /// its token later and pushes the nodes below it, which the walk cancels next. Idempotent.
    /// </summary>
    void Cancel(CancelCause cause, bool fromParent, CancelWalk walk);

    /// <summary>Fires the node's token (its callbacks run now), once everything below the node has been cancelled.</summary>
    void FireToken();

    /// <summary>
    /// The loop's run ended while this node was live: it ends without running any more code, and pushes the nodes
    /// below it onto <paramref name="walk"/>. Idempotent.
    /// </summary>
    void Abandon(CancelWalk walk);
}
