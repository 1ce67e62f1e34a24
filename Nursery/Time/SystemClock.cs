using System.Diagnostics;

namespace Nursery;

/// <summary>
/// Real, monotonic time from <see cref="Stopwatch"/>, starting at zero when the clock is created.
/// Unaffected by changes to the system's wall clock.
/// </summary>
public sealed class SystemClock : LoopClock
{
    /// <summary>The <see cref="Stopwatch"/> timestamp that is this clock's zero.</summary>
    private readonly long _origin = Stopwatch.GetTimestamp();

    /// <summary>Creates a clock that reads zero now and then follows real, monotonic time.</summary>
    public SystemClock()
    {
    }

    /// <inheritdoc />
    public override TimeSpan Now => Stopwatch.GetElapsedTime(_origin);
}
