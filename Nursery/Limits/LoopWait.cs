namespace Nursery;

/// <summary>
/// One piece of loop code waiting on a loop-native primitive (a slot of a bounded <see cref="TaskManager"/>, a
/// <see cref="CapacityLimiter"/> token, room or an item in a <see cref="LoopChannel{T}"/>): its place in the primitive's
/// FIFO queue, and its place among the waits pending at the waiting code's node, so cancelling that code wakes it.
/// </summary>
/// <remarks>
/// It is a <see cref="SleepOperation"/> that never enters the timer heap: the node's list of pending sleeps is exactly
/// the "wake me when this code is cancelled" list a checkpoint needs (level-triggered, no token, no allocation beyond
/// the waiter itself), and <see cref="EventLoop.DumpTree"/> already walks it to say what each child waits on. Loop thread only.
/// </remarks>
internal abstract class LoopWait : SleepOperation
{
    protected LoopWait(EventLoop loop, LoopSynchronizationContext node, IWaitSource source)
        : base(loop, node)
    {
        Source = source;
    }

    /// <summary>The primitive waited on.</summary>
    public IWaitSource Source { get; }

    /// <summary>The queue this wait is in, if any. Loop thread only.</summary>
    internal WaitQueue? Queue;

    /// <summary>Neighbours in <see cref="Queue"/>. Loop thread only.</summary>
    internal LoopWait? QueuePrevious, QueueNext;

    /// <summary>What this wait is for, in DumpTree's words.</summary>
    public string Describe() => Source.DescribeWait(this);

    /// <summary>Never armed as a timer: a loop wait ends when its primitive or a cancellation ends it.</summary>
    public override void Start(TimeSpan deadline) =>
        throw new InvalidOperationException("A loop wait has no deadline; it is tracked with Track().");

    /// <summary>Registers the wait at its node, so cancelling the waiting code interrupts it.</summary>
    public void Track() => Node.Track(this);

    /// <summary>
    /// The node's cancellation reached the wait (or the waiting code ended and left it behind): out of the queue and
    /// off the node's list, then <see cref="OnInterrupted"/>.
    /// </summary>
    protected sealed override void Detach()
    {
        Node.Untrack(this);
        Queue?.Remove(this);
        OnInterrupted();
    }

    /// <summary>Ends the wait because the waiting code was cancelled or ended.</summary>
    protected abstract void OnInterrupted();
}
