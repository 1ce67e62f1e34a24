namespace Nursery;

/// <summary>
/// The source of time for an <see cref="EventLoop"/>: timers, <see cref="EventLoop.Sleep(TimeSpan)"/>,
/// <see cref="TaskManager.Schedule(Func{Task}, TimeSpan)"/> and the loop's <see cref="EventLoop.TimeProvider"/>
/// all read this clock and nothing else.
/// </summary>
/// <remarks>
/// Use <see cref="SystemClock"/> for real time and <see cref="VirtualClock"/> for tests and simulations.
/// A custom clock is treated like a real-time clock: the loop waits for timers by blocking for the
/// difference between the deadline and <see cref="Now"/>, then checks again.
/// </remarks>
public abstract class LoopClock
{
    /// <summary>Creates a clock.</summary>
    protected LoopClock()
    {
    }

    /// <summary>The current time on this clock: a monotonic offset from the clock's own origin.</summary>
    public abstract TimeSpan Now { get; }

    /// <summary>Wall-clock time for <see cref="TimeProvider.GetUtcNow"/>. Real clocks report real time.</summary>
    internal virtual DateTimeOffset GetUtcNow() => TimeProvider.System.GetUtcNow();

    /// <summary>Called when <paramref name="loop"/> starts using this clock, so the clock can wake it.</summary>
    internal virtual void Attach(EventLoop loop)
    {
    }

    /// <summary>Called when <paramref name="loop"/> stops using this clock.</summary>
    internal virtual void Detach(EventLoop loop)
    {
    }
}
