namespace Nursery;

/// <summary>A <see cref="SleepOperation"/> that the caller's cancellation token can also end.</summary>
internal sealed class TokenSleepOperation : SleepOperation
{
    /// <summary>Applies a cancellation that arrived from another thread, on the loop thread.</summary>
    private static readonly SendOrPostCallback s_cancelOnLoop = static state => ((TokenSleepOperation)state!).Cancel(byToken: true);

    /// <summary>Runs on whichever thread cancels the caller's token.</summary>
    private static readonly Action<object?> s_onTokenCancelled = static state =>
    {
        var op = (TokenSleepOperation)state!;
        if (EventLoop.Current == op.Loop) op.Cancel(byToken: true);
        else op.Loop.Post(new WorkItem(s_cancelOnLoop, op, op.Loop.RootContext));
    };

    /// <summary>The caller's token.</summary>
    private readonly CancellationToken _token;

    /// <summary>Registration on <see cref="_token"/>, removed once the sleep ends. Loop thread only.</summary>
    private CancellationTokenRegistration _registration;

    public TokenSleepOperation(EventLoop loop, LoopSynchronizationContext node, CancellationToken token)
        : base(loop, node) => _token = token;

    /// <inheritdoc />
    protected override CancellationToken CallerToken => _token;

    /// <inheritdoc />
    public override void Start(TimeSpan deadline)
    {
        base.Start(deadline);
        _registration = _token.UnsafeRegister(s_onTokenCancelled, this);
    }

    /// <inheritdoc />
    protected override void Detach()
    {
        base.Detach();
        _registration.Unregister();
    }
}
