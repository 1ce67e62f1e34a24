namespace Nursery;

/// <summary>
/// The loop's clock as a <see cref="TimeProvider"/>. Timestamps and UTC time follow <see cref="EventLoop.Clock"/>,
/// and timers live in the loop's timer heap and fire on the loop thread, so <c>Task.Delay(d, tp)</c> and
/// <c>new CancellationTokenSource(d, tp)</c> follow virtual time as exactly as <see cref="EventLoop.Sleep(TimeSpan)"/>.
/// </summary>
internal sealed class LoopTimeProvider(EventLoop loop) : TimeProvider
{
    /// <summary>Loop time is kept in <see cref="TimeSpan"/> ticks.</summary>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc />
    public override long GetTimestamp() => loop.Clock.Now.Ticks;

    /// <summary>Real UTC time for a real clock; a fixed epoch plus virtual time for a <see cref="VirtualClock"/>.</summary>
    public override DateTimeOffset GetUtcNow() => loop.Clock.GetUtcNow();

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        LoopTimer.Validate(dueTime, nameof(dueTime));
        LoopTimer.Validate(period, nameof(period));
        return new LoopTimer(loop, callback, state, dueTime, period);
    }
}
