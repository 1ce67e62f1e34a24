namespace Nursery;

/// <summary>
/// A loop clock that follows any <see cref="System.TimeProvider"/>: loop time is the provider's elapsed time since the
/// clock was created, and <see cref="EventLoop.TimeProvider"/> reports the provider's UTC time. Over a
/// <c>FakeTimeProvider</c> (Microsoft.Extensions.TimeProvider.Testing), tests that already move time with
/// <c>fake.Advance(...)</c> drive the loop the same way: sleeps, scheduled children and the loop's
/// <see cref="EventLoop.TimeProvider"/> timers become due exactly when the fake's time reaches them.
/// </summary>
/// <remarks>
/// <para>
/// The loop waits for its next timer with a timer of the provider's own, which wakes it: advancing a fake provider
/// from any thread (the loop's own included) wakes an idle loop, and the timers that became due fire on the loop's
/// next turn, in deadline order, on the loop thread. Time that moves without firing the provider's timers
/// (<c>FakeTimeProvider.AdjustTime</c>) is seen the next time the loop looks at its clock, not at once.
/// </para>
/// <para>
/// Loop time never runs backwards, even if the provider's does (<c>AdjustTime</c> to an earlier time): it then
/// stands still until the provider catches up. Unlike <see cref="VirtualClock"/>, this clock never jumps by itself:
/// time moves only as the provider's does, so a loop over a fake provider that nobody advances waits.
/// </para>
/// <para>Thread-safe; one clock may serve several loops.</para>
/// </remarks>
public sealed class TimeProviderClock : LoopClock
{
    /// <summary>
    /// The longest alarm the clock sets on the provider at once (the limit of <see cref="System.Threading.Timer"/>);
    /// a later deadline is reached in several alarms.
    /// </summary>
    private static readonly TimeSpan MaxAlarm = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>Wakes the loop an alarm belongs to.</summary>
    private static readonly TimerCallback s_wake = static state => ((EventLoop)state!).Wake();

    /// <summary>The provider's timestamp that is this clock's zero.</summary>
    private readonly long _origin;

    /// <summary>Guards <see cref="_alarms"/>.</summary>
    private readonly Lock _gate = new();

    /// <summary>One provider timer per loop using the clock, armed for the loop's next deadline while it is idle.</summary>
    private readonly Dictionary<EventLoop, ITimer> _alarms = [];

    /// <summary>The latest time this clock has reported, in ticks, so it never runs backwards. Interlocked.</summary>
    private long _latestTicks;

    /// <summary>Creates a clock that reads zero now and then follows <paramref name="timeProvider"/>.</summary>
    /// <param name="timeProvider">The time to follow, for example a <c>FakeTimeProvider</c> or <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="timeProvider"/> is null.</exception>
    public TimeProviderClock(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        TimeProvider = timeProvider;
        _origin = timeProvider.GetTimestamp();
    }

    /// <summary>The provider this clock follows.</summary>
    public TimeProvider TimeProvider { get; }

    /// <inheritdoc />
    /// <remarks>The provider's elapsed time since this clock was created; never less than a value read before.</remarks>
    public override TimeSpan Now
    {
        get
        {
            var elapsed = TimeProvider.GetElapsedTime(_origin).Ticks;
            var latest = Interlocked.Read(ref _latestTicks);
            while (elapsed > latest)
            {
                var seen = Interlocked.CompareExchange(ref _latestTicks, elapsed, latest);
                if (seen == latest) return new TimeSpan(elapsed);
                latest = seen;
            }
            return new TimeSpan(latest);
        }
    }

    /// <inheritdoc />
    internal override DateTimeOffset GetUtcNow() => TimeProvider.GetUtcNow();

    /// <inheritdoc />
    internal override bool PrepareIdleWait(EventLoop loop, TimeSpan deadline, out TimeSpan? timeout)
    {
        // Real time means nothing to a fake provider: block until the provider's alarm (or other work) wakes the loop.
        timeout = null;
        ITimer alarm;
        lock (_gate) alarm = _alarms[loop];
        if (deadline == Never)
        {
            alarm.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return true;
        }
        var now = Now;
        if (deadline <= now) return false;
        var wait = deadline - now;
        alarm.Change(wait < MaxAlarm ? wait : MaxAlarm, Timeout.InfiniteTimeSpan);
        // The provider counts the alarm from its own time at Change. If time moved since `now` was read, the alarm is
        // late by that much; look at the timers again instead of waiting for it. If time moves after this check, the
        // alarm is exact and the provider fires it.
        return Now == now;
    }

    /// <inheritdoc />
    internal override void Attach(EventLoop loop)
    {
        ITimer alarm;
        // A long-lived timer must not keep the creating code's AsyncLocal values alive.
        using (ExecutionContext.SuppressFlow())
            alarm = TimeProvider.CreateTimer(s_wake, loop, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        lock (_gate) _alarms.Add(loop, alarm);
    }

    /// <inheritdoc />
    internal override void Detach(EventLoop loop)
    {
        ITimer? alarm;
        lock (_gate)
        {
            if (!_alarms.Remove(loop, out alarm)) return;
        }
        alarm.Dispose();
    }
}
