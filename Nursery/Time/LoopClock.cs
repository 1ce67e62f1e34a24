namespace Nursery;

/// <summary>
/// The source of time for an <see cref="EventLoop"/>: timers, <see cref="EventLoop.Sleep(TimeSpan)"/>,
/// <see cref="TaskManager.Schedule(Func{Task}, TimeSpan)"/> and the loop's <see cref="EventLoop.TimeProvider"/>
/// all read this clock and nothing else.
/// </summary>
/// <remarks>
/// <para>
/// Use <see cref="SystemClock"/> for real time, <see cref="VirtualClock"/> for tests and simulations, and
/// <see cref="TimeProviderClock"/> to follow any <see cref="TimeProvider"/> (a <c>FakeTimeProvider</c>, say).
/// A custom clock is treated like a real-time clock: the loop waits for timers by blocking for the
/// difference between the deadline and <see cref="Now"/>, then checks again.
/// </para>
/// <para>
/// Deadlines are computed here, saturating: a delay that would end past the latest time the clock can show
/// (<see cref="TimeSpan.MaxValue"/> for most clocks, <see cref="VirtualClock.MaxTime"/> for a virtual one) gives
/// the deadline <see cref="Never"/>, which no timer reaches. That is what makes <c>Sleep(TimeSpan.MaxValue)</c>
/// sleep until cancelled on every clock.
/// </para>
/// </remarks>
public abstract class LoopClock
{
    /// <summary>The deadline of a timer that never fires; an idle loop does not wait for it (nor jump to it).</summary>
    internal static readonly TimeSpan Never = TimeSpan.MaxValue;

    /// <summary>Creates a clock.</summary>
    protected LoopClock()
    {
    }

    /// <summary>The current time on this clock: a monotonic offset from the clock's own origin.</summary>
    public abstract TimeSpan Now { get; }

    /// <summary>The latest time this clock can show; a deadline after it is <see cref="Never"/>.</summary>
    internal virtual TimeSpan LatestTime => TimeSpan.MaxValue;

    /// <summary>Wall-clock time for <see cref="TimeProvider.GetUtcNow"/>. Real clocks report real time.</summary>
    internal virtual DateTimeOffset GetUtcNow() => TimeProvider.System.GetUtcNow();

    /// <summary>
    /// <paramref name="from"/> plus <paramref name="delay"/> (zero or positive), or <see cref="Never"/> when that would
    /// be later than <see cref="LatestTime"/>: saturating instead of overflowing, and never past what the clock can show.
    /// </summary>
    internal TimeSpan DeadlineAfter(TimeSpan from, TimeSpan delay) => delay > LatestTime - from ? Never : from + delay;

    /// <summary>
    /// Prepares an idle loop's wait for its next timer, due at <paramref name="deadline"/> (later than
    /// <see cref="Now"/>; <see cref="Never"/> when no timer will ever be due). Returns <see langword="false"/> when
    /// the loop should not wait but look at its timers again (a virtual clock jumped); otherwise
    /// <paramref name="timeout"/> is how long to block in real time, <see langword="null"/> for "until woken".
    /// Loop thread only.
    /// </summary>
    internal virtual bool PrepareIdleWait(EventLoop loop, TimeSpan deadline, out TimeSpan? timeout)
    {
        timeout = deadline == Never ? null : deadline - Now;
        return true;
    }

    /// <summary>Called when <paramref name="loop"/> starts using this clock, so the clock can wake it.</summary>
    internal virtual void Attach(EventLoop loop)
    {
    }

    /// <summary>Called when <paramref name="loop"/> stops using this clock.</summary>
    internal virtual void Detach(EventLoop loop)
    {
    }
}
