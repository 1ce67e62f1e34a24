namespace Nursery;

public sealed partial class EventLoop
{
    /// <summary>
    /// Code waiting in <see cref="RunCurrentAsync"/> for the loop to settle at the current instant; null or empty when
    /// none. Loop thread only.
    /// </summary>
    private List<TaskCompletionSource>? _settleWaiters;

    /// <summary>
    /// Work items queued only to look again once nothing else is ready at this instant (a WhenEach enumeration waiting
    /// to yield the children that ended at this loop time in spawn order). <see cref="IsSettledNow"/> discounts them:
    /// two such items would otherwise each see the other ready and requeue forever. Loop thread only; reset by each run.
    /// </summary>
    internal int SettleChecks { get; set; }

    /// <summary>Whether nothing but settle checks is ready and no timer is due at this instant. Loop thread only.</summary>
    internal bool IsSettledNow => ReadyCount == SettleChecks && !TimerDueNow;

    /// <summary>
    /// Lets everything that can run at the current instant run, then resumes the caller: work that is ready, timers
    /// that are due (<c>Task.Delay(d, loop.TimeProvider)</c>, <see cref="PeriodicTimer"/> ticks and
    /// <c>CancellationTokenSource</c> timeouts on <see cref="TimeProvider"/> included), and everything that work makes
    /// ready in turn, until the loop would otherwise wait. The clock does not move, even with
    /// <see cref="VirtualClock.AutoJump"/> on. Kotlin's <c>runCurrent</c>.
    /// </summary>
    /// <returns>A task that completes on the loop once nothing else can run at this instant.</returns>
    /// <exception cref="InvalidOperationException">Not called from code running on this loop.</exception>
    /// <remarks>
    /// Work that arrives from other threads is not waited for: it comes when it comes. Not a cancellation checkpoint:
    /// it always completes (unless some code never stops yielding, which would keep any loop busy).
    /// </remarks>
    public Task RunCurrentAsync()
    {
        ThrowIfNotOnThisLoop(nameof(RunCurrentAsync));
        var settled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        (_settleWaiters ??= []).Add(settled);
        return settled.Task;
    }

    /// <summary>
    /// Moves a <see cref="VirtualClock"/> forward by <paramref name="by"/> from loop code, stopping at every timer on
    /// the way: each fires at its own deadline (so <see cref="Now"/> is that deadline in its code), and everything it
    /// makes ready runs before time moves on. Returns once the clock shows the target and the loop has settled there.
    /// Kotlin's <c>advanceTimeBy</c> followed by <c>runCurrent</c>. Works with <see cref="VirtualClock.AutoJump"/> on or off.
    /// </summary>
    /// <param name="by">How far to move; zero or positive. Zero is <see cref="RunCurrentAsync"/>.</param>
    /// <returns>A task that completes on the loop at the target time, once nothing else can run at it.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="by"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">
    /// Not called from code running on this loop, or the loop's clock is not a <see cref="VirtualClock"/> (with a
    /// <see cref="TimeProviderClock"/>, advance the fake time provider and await <see cref="RunCurrentAsync"/>).
    /// </exception>
    /// <remarks>
    /// The clock may be shared: other loops on it see time move too. Not a cancellation checkpoint: once called it
    /// reaches the target.
    /// </remarks>
    public Task AdvanceTimeByAsync(TimeSpan by)
    {
        if (by < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(by), by, "Virtual time never runs backwards; the amount to advance must be zero or positive.");
        var clock = VirtualClockFor(nameof(AdvanceTimeByAsync));
        var target = Clock.DeadlineAfter(Now, by);
        return AdvanceToAsync(clock, target == LoopClock.Never ? VirtualClock.MaxTime : target);
    }

    /// <summary>
    /// Runs the program forward in virtual time until no timer is left that the clock could reach: every timer fires at
    /// its own deadline, and the loop settles after each. Kotlin's <c>advanceUntilIdle</c>.
    /// </summary>
    /// <returns>A task that completes on the loop once nothing is ready and no timer is pending (sleeps until cancelled excepted).</returns>
    /// <exception cref="InvalidOperationException">Not called from code running on this loop, or the clock is not a <see cref="VirtualClock"/>.</exception>
    /// <remarks>
    /// Like Kotlin's, it never returns while a periodic timer keeps re-arming itself (a <see cref="PeriodicTimer"/>, a
    /// heartbeat child): step such programs with <see cref="AdvanceTimeByAsync"/>.
    /// </remarks>
    public Task AdvanceUntilIdleAsync()
    {
        var clock = VirtualClockFor(nameof(AdvanceUntilIdleAsync));
        return AdvanceToAsync(clock, target: null);
    }

    /// <summary>Steps the clock timer by timer up to <paramref name="target"/> (null: until no timer is left).</summary>
    private async Task AdvanceToAsync(VirtualClock clock, TimeSpan? target)
    {
        await RunCurrentAsync();
        while (_timers.Count > 0 && _timers.NextDeadline is var next && next != LoopClock.Never && (target is null || next <= target))
        {
            clock.JumpTo(next);
            await RunCurrentAsync();
        }
        if (target is { } end && end > clock.Now)
        {
            clock.JumpTo(end);
            await RunCurrentAsync();
        }
    }

    /// <summary>Resumes every caller of <see cref="RunCurrentAsync"/>: the loop has settled. Loop thread only.</summary>
    private void ReleaseSettled()
    {
        var waiters = _settleWaiters!;
        _settleWaiters = null;
        // Their continuations are posted to the run queue (RunContinuationsAsynchronously), never run inline here.
        foreach (var settled in waiters) settled.TrySetResult();
    }

    private VirtualClock VirtualClockFor(string member)
    {
        ThrowIfNotOnThisLoop(member);
        return Clock as VirtualClock ?? throw new InvalidOperationException(
            $"{member} moves a VirtualClock, but this loop runs on a {Clock.GetType().Name}. With a TimeProviderClock, advance the " +
            "fake time provider and then await loop.RunCurrentAsync(); real clocks cannot be moved.");
    }

    private void ThrowIfNotOnThisLoop(string member)
    {
        if (t_current != this)
        {
            throw t_current is null
                ? ThrowHelper.NotOnLoop($"EventLoop.{member}")
                : new InvalidOperationException($"EventLoop.{member} was called from code running on another event loop; call it from code on this loop.");
        }
    }
}
