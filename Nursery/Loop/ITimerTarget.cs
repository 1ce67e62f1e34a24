namespace Nursery;

/// <summary>Something that can sit in the loop's <see cref="TimerHeap"/>: a sleep, a scheduled child, a TimeProvider timer.</summary>
internal interface ITimerTarget
{
    /// <summary>Position in the heap, or -1 when not in it. Maintained by <see cref="TimerHeap"/> only.</summary>
    int TimerIndex { get; set; }

    /// <summary>Called on the loop thread, in deadline order, once the deadline has passed.</summary>
    void OnTimer();
}
