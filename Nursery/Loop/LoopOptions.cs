namespace Nursery;

/// <summary>
/// Options of an <see cref="EventLoop"/> for finding concurrency bugs: schedule shuffling, deadlock detection and
/// slow-callback detection. Pass them to <see cref="EventLoop(LoopClock, LoopOptions)"/>.
/// </summary>
public sealed record LoopOptions
{
    /// <summary>The environment variable that sets the seed of loops created without options.</summary>
    internal const string SeedVariable = "NURSERY_SCHEDULE_SEED";

    /// <summary>The options of loops created without options, read from the environment once.</summary>
    private static readonly Lazy<LoopOptions> s_environmentDefault = new(() => FromEnvironment(Environment.GetEnvironmentVariable(SeedVariable)));

    /// <summary>Backs <see cref="DeadlockTimeout"/>.</summary>
    private readonly TimeSpan? _deadlockTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Backs <see cref="SlowCallbackThreshold"/>.</summary>
    private readonly TimeSpan? _slowCallbackThreshold;

    /// <summary>Options with the defaults: FIFO order, deadlock detection after 5 s, no slow-callback detection, not strict.</summary>
    public LoopOptions()
    {
    }

    /// <summary>
    /// <see langword="null"/> (the default): ready work runs in FIFO order. A seed: each turn's ready batch runs in an
    /// order drawn from it, the same on every run with the same seed, so an order-dependent bug found under one seed
    /// can be replayed. Timers still fire in (deadline, sequence) order; the work they make ready joins the shuffled batch.
    /// Loops created without options take it from the <c>NURSERY_SCHEDULE_SEED</c> environment variable.
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

    /// <summary>
    /// When <see langword="true"/>, a run on a <see cref="VirtualClock"/> fails with <see cref="LoopDeterminismException"/>
    /// (naming the child and what resumed from which thread) as soon as loop code resumes from another thread: an await
    /// that completed off the loop, because of <c>ConfigureAwait(false)</c> somewhere below it, <c>Task.Run</c>, real I/O
    /// or a real-time timer. Such a run depends on real time and cannot be replayed from its seed. Off by default: the
    /// loop then only counts them (<see cref="EventLoop.CrossThreadResumes"/>). No effect on other clocks.
    /// </summary>
    public bool StrictDeterminism { get; init; }

    /// <summary>
    /// The options of a loop created without options: the defaults, with <see cref="ScheduleSeed"/> taken from the
    /// <c>NURSERY_SCHEDULE_SEED</c> environment variable when it is set (read once per process).
    /// </summary>
    internal static LoopOptions FromEnvironment() => s_environmentDefault.Value;

    /// <summary>The default options with the seed <paramref name="seed"/> (the variable's value; null or empty: FIFO).</summary>
    /// <exception cref="InvalidOperationException">The value is not an integer.</exception>
    internal static LoopOptions FromEnvironment(string? seed)
    {
        if (string.IsNullOrWhiteSpace(seed)) return new LoopOptions();
        if (!int.TryParse(seed, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value))
        {
            throw new InvalidOperationException(
                $"The environment variable {SeedVariable} is '{seed}', which is not a 32-bit integer. Set it to a seed (for example " +
                $"{SeedVariable}=42) to shuffle every loop created without options, or unset it for FIFO order.");
        }
        return new LoopOptions { ScheduleSeed = value };
    }

    private static TimeSpan? Positive(TimeSpan? value, string name) =>
        value is { } v && v <= TimeSpan.Zero
            ? throw new ArgumentOutOfRangeException(name, v, $"{name} must be positive, or null to turn it off.")
            : value;
}
