using System.Diagnostics;

namespace Nursery;

/// <summary>
/// Simulated time for tests and simulations. It starts at <see cref="TimeSpan.Zero"/> and moves only when
/// the loop jumps it to the next timer (<see cref="AutoJump"/>) or when <see cref="Advance"/> is called,
/// so a program that sleeps for hours finishes in microseconds and gives the same order of events every run.
/// </summary>
/// <remarks>
/// <para>Thread-safe: <see cref="Advance"/> may be called from any thread and wakes the loops using the clock.</para>
/// <para>
/// Time ends at <see cref="MaxTime"/>, the last instant <see cref="TimeProvider.GetUtcNow"/> can show: the clock
/// never moves past it, and a timer that would be due later is never due. So <c>EventLoop.Sleep(TimeSpan.MaxValue)</c>
/// sleeps until it is cancelled, as on a real clock: auto-jump does not jump to it, and a loop with nothing else to
/// do waits for work from other threads.
/// </para>
/// </remarks>
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

    /// <summary>
    /// The latest time a virtual clock can show, about 8,029 years: <see cref="TimeProvider.GetUtcNow"/> then reports
    /// <see cref="DateTimeOffset.MaxValue"/>. <see cref="Advance"/> stops there, and a sleep or timer that would end
    /// later never ends by itself (it waits until cancelled).
    /// </summary>
    public static TimeSpan MaxTime { get; } = DateTimeOffset.MaxValue - Epoch;

    /// <inheritdoc />
    public override TimeSpan Now => new(Interlocked.Read(ref _ticks));

    /// <summary>
    /// When <see langword="true"/> (the default), a loop with nothing ready to run jumps the clock straight to
    /// its next timer. When <see langword="false"/>, time moves only through <see cref="Advance"/>.
    /// </summary>
    public bool AutoJump { get; init; } = true;

    /// <summary>
    /// Moves the clock forward by <paramref name="by"/>, but not past <see cref="MaxTime"/>. Timers that became due
    /// fire on the loop's next turn. Callable from the loop thread or from any other thread.
    /// </summary>
    /// <param name="by">How far to move; zero or positive. <see cref="TimeSpan.MaxValue"/> moves to <see cref="MaxTime"/>.</param>
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
            next = by.Ticks > MaxTime.Ticks - current ? MaxTime.Ticks : current + by.Ticks;
        }
        while (Interlocked.CompareExchange(ref _ticks, next, current) != current);
        foreach (var loop in Volatile.Read(ref _loops)) loop.Wake();
    }

    /// <summary>Moves the clock to <paramref name="time"/> if that is later than now (the loop's auto-jump).</summary>
    internal void JumpTo(TimeSpan time)
    {
        Debug.Assert(time <= MaxTime, "Deadlines past MaxTime are Never, and the loop never jumps to those.");
        long current;
        do
        {
            current = Interlocked.Read(ref _ticks);
            if (time.Ticks <= current) return;
        }
        while (Interlocked.CompareExchange(ref _ticks, time.Ticks, current) != current);
    }

    /// <inheritdoc />
    internal override TimeSpan LatestTime => MaxTime;

    /// <inheritdoc />
    internal override DateTimeOffset GetUtcNow() => Epoch + Now;

    /// <inheritdoc />
    internal override bool PrepareIdleWait(EventLoop loop, TimeSpan deadline, out TimeSpan? timeout)
    {
        // Real time means nothing here: only Advance (which wakes the loop) or other threads' work moves things on.
        timeout = null;
        if (!AutoJump || deadline == Never) return true;
        // Nothing can happen before the next timer except work from other threads.
        if (loop.InboxIsEmpty) JumpTo(deadline);
        return false;
    }

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
