namespace Nursery;

/// <summary>
/// The context (and cancel status) of one child's code, including a <see cref="TaskManager.RunAsync(Func{TaskManager, Task})"/> body. It keeps
/// only what every child needs (see <see cref="LoopSynchronizationContext"/>); what few children need, the nested
/// nodes and the token source, lives in the child's cold state.
/// </summary>
internal sealed class ChildContext(ChildTask child) : LoopSynchronizationContext
{
    /// <summary>The child whose code runs under this context.</summary>
    public ChildTask Owner { get; } = child;

    /// <inheritdoc />
    public override EventLoop Loop => Owner.Manager.Loop;

    /// <inheritdoc />
    public override RootContext Run => Owner.Manager.Run;

    /// <inheritdoc />
    public override ChildTask Child => Owner;

    /// <inheritdoc />
    /// <remarks>The manager; while the child is starting (<see cref="TaskManager.StartAsync"/>), the code that started it.</remarks>
    public override ICancelNode Parent => Owner.StartingUnder ?? (ICancelNode)Owner.Manager;

    /// <inheritdoc />
    public override CancellationToken Token => Owner.Token;

    /// <inheritdoc />
    public override CancellationToken CancelledToken => Owner.CancelledToken;

    /// <inheritdoc />
    public override int NestedIndex
    {
        get => Owner.Cold?.NestedIndex ?? -1;
        set
        {
            if (value >= 0 || Owner.Cold is not null) Owner.EnsureCold().NestedIndex = value;
        }
    }

    /// <inheritdoc />
    public override NestedNodes? Nested => Owner.Cold?.Nested;

    /// <inheritdoc />
    protected override bool IsEnded => Owner.IsEnded;

    /// <inheritdoc />
    public override void AddNested(ICancelNode node) => (Owner.EnsureCold().Nested ??= new NestedNodes()).Add(node);

    /// <inheritdoc />
    public override void NoteReportedFailure(Exception failure) => Owner.NoteReportedFailure(failure);

    /// <inheritdoc />
    public override bool Carries(Task ended) => Owner.Carries(ended);

    /// <inheritdoc />
    protected override bool OnCancelled() => Owner.OnCancelled();

    /// <inheritdoc />
    public override void FireToken()
    {
        if (Owner.TokenSource is { } source) Owner.Manager.CancelSource(source, Owner);
    }

    /// <inheritdoc />
    protected override void OnAbandoned() => Owner.AbandonSelf();
}
