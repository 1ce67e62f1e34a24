namespace Nursery;

/// <summary>
/// Simulated time for tests and simulations. It starts at <see cref="TimeSpan.Zero"/> and moves only when
/// the loop jumps it to the next timer (<see cref="AutoJump"/>) or when <see cref="Advance"/> is called,
/// so a program that sleeps for hours finishes in microseconds and gives the same order of events every run.
/// </summary>
/// <remarks>Thread-safe: <see cref="Advance"/> may be called from any thread and wakes the loops using the clock.</remarks>
public sealed class VirtualClock : LoopClock
{
    /// <summary>What <see cref="TimeProvider.GetUtcNow"/> reports at virtual time zero.</summary>
    internal static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    /// <summary>Current time in ticks. Read and written with interlocked operations from any thread.</summary>
    private long _ticks;

    /// <summary>Loops to wake when time moves. Replaced (copy-on-write) under <see cref="_gate"/>.</summary>
    private EventLoop[] _loops = [];

    /// <summary>Guards writes to <see cref="_loops"/>.</summary>
    private readonly Lock _gate = new();

    /// <summary>Creates a virtual clock at <see cref="TimeSpan.Zero"/>, with <see cref="AutoJump"/> on unless set otherwise.</summary>
    public VirtualClock()
    {
    }

    /// <inheritdoc />
    public override TimeSpan Now => new(Interlocked.Read(ref _ticks));

    /// <summary>
    /// When <see langword="true"/> (the default), a loop with nothing ready to run jumps the clock straight to
    /// its next timer. When <see langword="false"/>, time moves only through <see cref="Advance"/>.
    /// </summary>
    public bool AutoJump { get; init; } = true;

    /// <summary>
    /// Moves the clock forward by <paramref name="by"/>. Timers that became due fire on the loop's next turn.
    /// Callable from the loop thread or from any other thread.
    /// </summary>
    /// <param name="by">How far to move; zero or positive.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="by"/> is negative: virtual time never runs backwards.</exception>
    public void Advance(TimeSpan by)
    {
        if (by < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(by), by, "A VirtualClock can only move forward; the amount to advance must be zero or positive.");
        if (by == TimeSpan.Zero) return;
        long current, next;
        do
        {
            current = Interlocked.Read(ref _ticks);
            next = by.Ticks > TimeSpan.MaxValue.Ticks - current ? TimeSpan.MaxValue.Ticks : current + by.Ticks;
        }
        while (Interlocked.CompareExchange(ref _ticks, next, current) != current);
        foreach (var loop in Volatile.Read(ref _loops)) loop.Wake();
    }

    /// <summary>Moves the clock to <paramref name="time"/> if that is later than now (the loop's auto-jump).</summary>
    internal void JumpTo(TimeSpan time)
    {
        long current;
        do
        {
            current = Interlocked.Read(ref _ticks);
            if (time.Ticks <= current) return;
        }
        while (Interlocked.CompareExchange(ref _ticks, time.Ticks, current) != current);
    }

    /// <inheritdoc />
    internal override DateTimeOffset GetUtcNow() => Epoch + Now;

    /// <inheritdoc />
    internal override void Attach(EventLoop loop)
    {
        lock (_gate) _loops = [.. _loops, loop];
    }

    /// <inheritdoc />
    internal override void Detach(EventLoop loop)
    {
        lock (_gate) _loops = Array.FindAll(_loops, l => l != loop);
    }
}
