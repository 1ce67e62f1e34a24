namespace Nursery;

/// <summary>
/// The context of loop code that belongs to no child: <c>main</c>, timer callbacks, host plumbing. It is never
/// cancelled, and it holds the managers created and the scopes entered at the top of the loop. Each run of the loop
/// has a root of its own: once the run ends the old root is abandoned, so work posted to it never runs in a later run.
/// </summary>
internal sealed class RootContext(EventLoop loop) : LoopSynchronizationContext
{
    /// <summary>Managers created and scopes entered at the top of the loop in this run. Loop thread only.</summary>
    private readonly NestedNodes _nested = new();

    /// <inheritdoc />
    public override EventLoop Loop { get; } = loop;

    /// <inheritdoc />
    public override RootContext Run => this;

    /// <inheritdoc />
    public override ChildTask? Child => null;

    /// <inheritdoc />
    public override ICancelNode? Parent => null;

    /// <inheritdoc />
    public override CancellationToken Token => CancellationToken.None;

    /// <inheritdoc />
    public override CancellationToken CancelledToken => CancellationToken.None;

    /// <inheritdoc />
    public override int NestedIndex
    {
        get => -1;
        set { } // never nested
    }

    /// <inheritdoc />
    public override NestedNodes Nested => _nested;

    /// <inheritdoc />
    protected override bool IsEnded => false;

    /// <inheritdoc />
    public override void AddNested(ICancelNode node) => _nested.Add(node);

    /// <summary>Ends this root with its run: everything still under it is abandoned, and it takes no more work.</summary>
    public void EndRun()
    {
        if (_nested.Count > 0) CancelTree.Abandon(this);
        else MarkAbandoned();
    }

    /// <inheritdoc />
    public override void FireToken()
    {
        // The root has no token.
    }
}
