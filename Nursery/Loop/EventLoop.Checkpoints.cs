namespace Nursery;

public sealed partial class EventLoop
{
    /// <summary>Completes a checkpoint on its turn, or cancels it if its child has been cancelled.</summary>
    private static readonly SendOrPostCallback s_completeCheckpoint = static state =>
    {
        var checkpoint = (TaskCompletionSource)state!;
        // The work item runs under the calling code's context, so its owner is the child that called.
        var owner = LoopSynchronizationContext.CurrentChild;
        if (owner is { IsCancellationRequested: true }) checkpoint.TrySetCanceled(owner.CancelledToken);
        else checkpoint.TrySetResult();
    };

    /// <summary>
    /// Waits for <paramref name="delay"/> on the loop's clock, with a timer in the loop's heap (no OS timer).
    /// Inside a <see cref="TaskManager"/> child this is a cancellation checkpoint: once the child is cancelled, this
    /// and every later checkpoint ends with <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <param name="delay">How long to wait; zero or positive. <see cref="TimeSpan.Zero"/> still waits for the next turn.</param>
    /// <returns>A task that completes when the delay has passed.</returns>
    /// <exception cref="InvalidOperationException">Not called on an event loop thread.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
#pragma warning disable VSTHRD200 // The contract names these Sleep and Yield, after Trio and giambio.
    public static Task Sleep(TimeSpan delay) => Sleep(delay, CancellationToken.None);

    /// <summary>
    /// Waits for <paramref name="delay"/> on the loop's clock, or until <paramref name="cancellationToken"/> fires.
    /// Inside a <see cref="TaskManager"/> child it is also a cancellation checkpoint for that child.
    /// </summary>
    /// <param name="delay">How long to wait; zero or positive.</param>
    /// <param name="cancellationToken">Ends the wait early with <see cref="OperationCanceledException"/>.</param>
    /// <returns>A task that completes when the delay has passed, or is cancelled.</returns>
    /// <exception cref="InvalidOperationException">Not called on an event loop thread.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    public static Task Sleep(TimeSpan delay, CancellationToken cancellationToken)
    {
        var loop = t_current ?? throw ThrowHelper.NotOnLoop("EventLoop.Sleep");
        if (delay < TimeSpan.Zero) throw ThrowHelper.NegativeDelay(nameof(delay), delay);
        var owner = LoopSynchronizationContext.CurrentOwner(loop);
        if (owner is { IsCancellationRequested: true }) return Checkpoint(loop); // ends cancelled, on its turn
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled(cancellationToken);
        var sleep = cancellationToken.CanBeCanceled ? new TokenSleepOperation(loop, owner, cancellationToken) : new SleepOperation(loop, owner);
        sleep.Start(loop.DeadlineAfter(delay));
        return sleep.Task;
    }

    /// <summary>
    /// Lets every other ready task run once, then continues. Inside a <see cref="TaskManager"/> child this is a
    /// cancellation checkpoint: once the child is cancelled, it ends with <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <returns>A task that completes on a later turn of the loop.</returns>
    /// <exception cref="InvalidOperationException">Not called on an event loop thread.</exception>
    public static Task Yield() => Checkpoint(t_current ?? throw ThrowHelper.NotOnLoop("EventLoop.Yield"));

    /// <summary>
    /// A schedule point then a cancellation check, like Trio's checkpoint: the task completes on a later turn,
    /// cancelled if the calling child has been cancelled by then. Even a cancelled checkpoint goes through the
    /// run queue, so a child that catches the cancellation and loops cannot starve everything else.
    /// </summary>
    private static Task Checkpoint(EventLoop loop)
    {
        var context = SynchronizationContext.Current as LoopSynchronizationContext;
        if (context is null || context.Loop != loop) context = loop.RootContext;
        // Completed by a work item at the back of the queue that runs under the caller's own context, so the
        // continuation runs inline right there: one trip through the queue, not two.
        var checkpoint = new TaskCompletionSource();
        loop.Enqueue(new WorkItem(s_completeCheckpoint, checkpoint, context));
        return checkpoint.Task;
    }
#pragma warning restore VSTHRD200
}
