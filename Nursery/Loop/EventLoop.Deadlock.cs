using System.Diagnostics;
using System.Globalization;

namespace Nursery;

public sealed partial class EventLoop
{
    /// <summary>
    /// A livelock is reported only once the cancelled child has taken at least this many steps in the window: a
    /// cancelled child finishing its clean-up takes a handful, one that loops on its cancellation takes millions.
    /// </summary>
    private const long LivelockSteps = 1000;

    /// <summary>
    /// Whether this run watches for deadlocks and livelocks: a <see cref="VirtualClock"/>, a
    /// <see cref="LoopOptions.DeadlockTimeout"/>, and a loop that no host owns. Set when a run starts. Loop thread only.
    /// </summary>
    private bool _detectDeadlock;

    /// <summary>Whether each step goes through <see cref="RunWatched"/> in this run. Loop thread only.</summary>
    private bool _watchSteps;

    /// <summary>
    /// <see cref="Stopwatch"/> time since which the loop has been busy with virtual time standing still at
    /// <see cref="_frozenAt"/>; zero when not counting (the loop was idle, or time moved). Loop thread only.
    /// </summary>
    private long _frozenSince;

    /// <summary>The virtual time at which the current busy stretch began. Loop thread only.</summary>
    private TimeSpan _frozenAt;

    /// <summary>The last cancelled child that ran a step in the current busy stretch. Loop thread only.</summary>
    private ChildTask? _cancelledStepper;

    /// <summary>Steps run by cancelled children in the current busy stretch. Loop thread only.</summary>
    private long _cancelledSteps;

    /// <summary>
    /// The host that owns this loop (a <see cref="LoopThread"/>), if any: such a loop waits for submissions by
    /// design, so it is never reported as deadlocked, and <see cref="DumpTree"/> names the host.
    /// </summary>
    internal object? Host { get; set; }

    /// <summary>Sets up this run's watch for deadlocks, livelocks and slow steps.</summary>
    private void BeginWatch()
    {
        _detectDeadlock = Options.DeadlockTimeout is not null && Clock is VirtualClock && Host is null;
        _watchSteps = _detectDeadlock || _slowCallbackTicks > 0;
        _frozenSince = 0;
        _cancelledStepper = null;
        _cancelledSteps = 0;
        ClearDeterminismViolation();
    }

    /// <summary>Notes a step of a cancelled child (a livelock suspect while virtual time stands still).</summary>
    private void NoteCancelledStep(ChildTask child)
    {
        _cancelledStepper = child;
        _cancelledSteps++;
    }

    /// <summary>
    /// After a busy turn: if virtual time has stood still for <see cref="LoopOptions.DeadlockTimeout"/> of real time
    /// while a cancelled child kept running, that child caught its cancellation and loops (a livelock).
    /// </summary>
    private void CheckLivelock()
    {
        var now = Clock.Now;
        var timestamp = Stopwatch.GetTimestamp();
        if (_frozenSince == 0 || now != _frozenAt)
        {
            StartBusyStretch(timestamp, now);
            return;
        }
        var timeout = Options.DeadlockTimeout!.Value;
        if (Stopwatch.GetElapsedTime(_frozenSince, timestamp) < timeout) return;
        if (_cancelledStepper is { IsEnded: false } child && _cancelledSteps >= LivelockSteps) throw Livelock(child, timeout);
        // Busy for a long time without a cancelled child looping: heavy work, not a livelock this can name.
        StartBusyStretch(timestamp, now);
    }

    private void StartBusyStretch(long timestamp, TimeSpan now)
    {
        _frozenSince = timestamp;
        _frozenAt = now;
        _cancelledStepper = null;
        _cancelledSteps = 0;
    }

    /// <summary>
    /// The idle wait of a watched run: nothing the loop can do by itself remains, so unless work comes from another
    /// thread within the timeout, nothing ever will.
    /// </summary>
    private void WaitOrReportDeadlock()
    {
        var timeout = Options.DeadlockTimeout!.Value;
        if (!_inbox.Wait(timeout)) throw Deadlock(timeout);
    }

    private LoopDeadlockException Deadlock(TimeSpan timeout)
    {
        var tree = DumpStuckTree();
        var timers = _timers.Count > 0 && _timers.NextDeadline != LoopClock.Never
            ? $" A timer is pending at t={Seconds(_timers.NextDeadline)} but the clock's AutoJump is off and nothing advanced it: call clock.Advance or await loop.AdvanceTimeByAsync."
            : "";
        var message =
            $"Deadlock: main has not finished, but nothing on this loop can make progress: no work is ready, no timer is pending, " +
            $"and nothing came from another thread for {Seconds(timeout)} of real time (LoopOptions.DeadlockTimeout).{timers} " +
            "Something waits for an event, a task or a child that nothing left will complete. If work off the loop (a socket, " +
            "the thread pool) takes longer than that to post back, raise LoopOptions.DeadlockTimeout. The task tree:\n" + tree;
        return new LoopDeadlockException(message, tree, child: null);
    }

    private LoopDeadlockException Livelock(ChildTask child, TimeSpan timeout)
    {
        var tree = DumpStuckTree();
        var cause = child.Context.Cause?.Message ?? "cancelled";
        var message =
            $"Livelock: child {child.Label} was cancelled ({cause}) but keeps running: it took {_cancelledSteps.ToString(CultureInfo.InvariantCulture)} steps in " +
            $"{Seconds(timeout)} of real time while virtual time stood still at t={Seconds(_frozenAt)}. A child that catches " +
            "OperationCanceledException and loops never ends, and a virtual clock does not move while the loop is busy. Let the " +
            "cancellation propagate (rethrow it), or leave the loop once the token is cancelled." +
            (child.SpawnSite is { } site ? $" The child was spawned at {site}." : "") + " The task tree:\n" + tree;
        return new LoopDeadlockException(message, tree, child);
    }

    /// <summary>The tree as seen from the loop itself: no code is running (the last step's context is still installed).</summary>
    private string DumpStuckTree()
    {
        SynchronizationContext.SetSynchronizationContext(null);
        return DumpTree();
    }

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
}
