namespace Nursery;

public sealed partial class EventLoop
{
    /// <summary>
    /// Waits for <paramref name="delay"/> on the loop's clock, with a timer in the loop's heap (no OS timer). It is a
    /// cancellation checkpoint: once the code calling it is cancelled (its child, its manager, a cancel scope around it),
    /// this and every later checkpoint ends with an <see cref="OperationCanceledException"/> that names the cause.
    /// </summary>
    /// <param name="delay">How long to wait; zero or positive. <see cref="TimeSpan.Zero"/> still waits for the next turn.</param>
    /// <returns>A checkpoint to await (it converts to a <see cref="Task"/> where one is needed).</returns>
    /// <exception cref="InvalidOperationException">Not called on an event loop thread.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
#pragma warning disable VSTHRD200 // The contract names these Sleep and Yield, after Trio and giambio.
    public static Checkpoint Sleep(TimeSpan delay) => Sleep(delay, CancellationToken.None);

    /// <summary>
    /// Waits for <paramref name="delay"/> on the loop's clock, or until <paramref name="cancellationToken"/> fires. It is
    /// also a cancellation checkpoint for the code calling it (see <see cref="Sleep(TimeSpan)"/>).
    /// </summary>
    /// <param name="delay">How long to wait; zero or positive.</param>
    /// <param name="cancellationToken">Ends the wait early with <see cref="OperationCanceledException"/>.</param>
    /// <returns>A checkpoint to await (it converts to a <see cref="Task"/> where one is needed).</returns>
    /// <exception cref="InvalidOperationException">Not called on an event loop thread.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    public static Checkpoint Sleep(TimeSpan delay, CancellationToken cancellationToken)
    {
        var loop = t_current ?? throw ThrowHelper.NotOnLoop("EventLoop.Sleep");
        if (delay < TimeSpan.Zero) throw ThrowHelper.NegativeDelay(nameof(delay), delay);
        var node = LoopSynchronizationContext.CurrentOrRoot(loop);
        // Cancelled code does not sleep: the checkpoint ends cancelled on its turn (through the run queue, so a child
        // that catches the cancellation and loops cannot starve everything else).
        if (node.IsCancelled) return new Checkpoint(node);
        if (cancellationToken.IsCancellationRequested) return new Checkpoint(SleepOperation.CancelledBy(loop, node, cancellationToken));
        var sleep = cancellationToken.CanBeCanceled ? new TokenSleepOperation(loop, node, cancellationToken) : new SleepOperation(loop, node);
        sleep.Start(loop.DeadlineAfter(delay));
        return new Checkpoint(sleep);
    }

    /// <summary>
    /// Lets every other ready task run once, then continues: a schedule point, and a cancellation checkpoint (once the
    /// code calling it is cancelled, it ends with an <see cref="OperationCanceledException"/> that names the cause).
    /// Awaiting it allocates nothing.
    /// </summary>
    /// <returns>A checkpoint to await (it converts to a <see cref="Task"/> where one is needed).</returns>
    /// <exception cref="InvalidOperationException">Not called on an event loop thread.</exception>
    public static Checkpoint Yield()
    {
        var loop = t_current ?? throw ThrowHelper.NotOnLoop("EventLoop.Yield");
        return new Checkpoint(LoopSynchronizationContext.CurrentOrRoot(loop));
    }
#pragma warning restore VSTHRD200

    /// <summary>
    /// The earliest deadline in force for the code running now: its cancel scopes' and its managers' deadlines, up to the
    /// first shield. <see cref="TimeSpan.MaxValue"/> when there is none (or off a loop); <see cref="TimeSpan.MinValue"/>
    /// when the code has already been cancelled.
    /// </summary>
    public static TimeSpan CurrentEffectiveDeadline
    {
        get
        {
            if (t_current is not { } loop) return TimeSpan.MaxValue;
            var node = LoopSynchronizationContext.CurrentOrRoot(loop);
            if (node.IsCancelled) return TimeSpan.MinValue;
            var deadline = TimeSpan.MaxValue;
            for (ICancelNode? at = node; at is not null; at = at.Parent)
            {
                var (own, shielded) = at switch
                {
                    ScopeContext scope => (scope.Scope.Deadline, scope.IsShielded),
                    TaskManager manager => (manager.ScopeDeadline, manager.IsShielded),
                    _ => (TimeSpan.MaxValue, false),
                };
                if (own < deadline) deadline = own;
                if (shielded) break;
            }
            return deadline;
        }
    }
}
