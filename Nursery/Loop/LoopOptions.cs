namespace Nursery;

/// <summary>
/// Options of an <see cref="EventLoop"/> for finding concurrency bugs: schedule shuffling, deadlock detection and
/// slow-callback detection. Pass them to <see cref="EventLoop(LoopClock, LoopOptions)"/>.
/// </summary>
public sealed record LoopOptions
{
    private readonly TimeSpan? _deadlockTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Options with the defaults: FIFO order, deadlock detection after 5 s, no slow-callback detection.</summary>
    public LoopOptions()
    {
    }
    private readonly TimeSpan? _slowCallbackThreshold;

    /// <summary>
    /// <see langword="null"/> (the default): ready work runs in FIFO order. A seed: each turn's ready batch runs in an
    /// order drawn from it, the same on every run with the same seed, so an order-dependent bug found under one seed
    /// can be replayed. Timers still fire in (deadline, sequence) order.
    /// </summary>
    public int? ScheduleSeed { get; init; }

    /// <summary>
    /// For a loop driven by <see cref="EventLoop.Run(Func{Task})"/> on a <see cref="VirtualClock"/>: how long (real
    /// time) the loop may sit with <c>main</c> unfinished, nothing ready, no timer pending and nothing arriving from
    /// other threads before <c>Run</c> throws <c>LoopDeadlockException</c>. Default 5 seconds;
    /// <see langword="null"/> turns it off. Choose it above the longest wait for work off the loop (a socket, the thread
    /// pool) that posts back.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public TimeSpan? DeadlockTimeout
    {
        get => _deadlockTimeout;
        init => _deadlockTimeout = Positive(value, nameof(DeadlockTimeout));
    }

    /// <summary>
    /// <see langword="null"/> (the default): off. Otherwise a callback (one step of loop code) that holds the loop longer
    /// than this raises <c>EventLoop.SlowCallback</c> and counts in the <c>Nursery</c> meter.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public TimeSpan? SlowCallbackThreshold
    {
        get => _slowCallbackThreshold;
        init => _slowCallbackThreshold = Positive(value, nameof(SlowCallbackThreshold));
    }

    private static TimeSpan? Positive(TimeSpan? value, string name) =>
        value is { } v && v <= TimeSpan.Zero
            ? throw new ArgumentOutOfRangeException(name, v, $"{name} must be positive, or null to turn it off.")
            : value;
}
