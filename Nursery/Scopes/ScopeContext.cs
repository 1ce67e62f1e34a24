namespace Nursery;

/// <summary>
/// The context (and cancel status) of the body of an entered <see cref="CancelScope"/>: its checkpoints, the managers
/// created in it and the scopes entered in it hang here, so cancelling the scope reaches exactly the code it covers.
/// Made when the scope is entered: entering a scope costs this one object.
/// </summary>
internal sealed class ScopeContext : LoopSynchronizationContext
{
    /// <summary>The scope this is the body of.</summary>
    private readonly CancelScope _scope;

    /// <summary>The code the scope was entered in.</summary>
    private readonly LoopSynchronizationContext _parent;

    /// <summary>Managers created and scopes entered in the body. Loop thread only.</summary>
    private NestedNodes? _nested;

    /// <summary>Exceptions that joins of managers nested here threw into the body. Loop thread only.</summary>
    private List<Exception>? _reported;

    /// <summary>A manager nested here was cut short by this code's cancellation and joined normally (see <see cref="NoteCutShort"/>).</summary>
    private bool _cutShort;

    public ScopeContext(CancelScope scope, LoopSynchronizationContext parent)
    {
        _scope = scope;
        _parent = parent;
        Loop = parent.Loop;
        Child = parent.Child;
        Run = parent.Run;
    }

    /// <summary>The scope this is the body of.</summary>
    public CancelScope Scope => _scope;

    /// <summary>The code the scope was entered in.</summary>
    public LoopSynchronizationContext ParentContext => _parent;

    /// <summary>Whether the scope's cancellation cut short a manager nested in the body whose join then returned normally.</summary>
    public bool WasCutShort => _cutShort;

    /// <inheritdoc />
    public override EventLoop Loop { get; }

    /// <inheritdoc />
    public override ChildTask? Child { get; }

    /// <inheritdoc />
    public override RootContext Run { get; }

    /// <inheritdoc />
    public override ICancelNode Parent => _parent;

    /// <inheritdoc />
    public override CancellationToken Token => _scope.Token;

    /// <inheritdoc />
    public override CancellationToken CancelledToken => _scope.Token;

    /// <inheritdoc />
    public override int NestedIndex { get; set; } = -1;

    /// <inheritdoc />
    public override bool IsShielded => _scope.Shield;

    /// <inheritdoc />
    public override NestedNodes? Nested => _nested;

    /// <inheritdoc />
    protected override bool IsEnded => _scope.HasExited;

    /// <inheritdoc />
    public override void AddNested(ICancelNode node) => (_nested ??= new NestedNodes()).Add(node);

    /// <inheritdoc />
    public override void NoteReportedFailure(Exception failure) => (_reported ??= []).Add(failure);

    /// <inheritdoc />
    public override void NoteCutShort() => _cutShort = true;

    /// <inheritdoc />
    public override bool Carries(Task ended)
    {
        if (_reported is null) return false;
        var failure = TaskOutcomes.Of(ended);
        return _reported.Exists(r => ReferenceEquals(r, failure));
    }

    /// <inheritdoc />
    public override void FireToken() => _scope.FireTokenOnLoop();

    /// <inheritdoc />
    protected override void OnAbandoned() => _scope.OnAbandoned();
}
