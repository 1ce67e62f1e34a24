namespace Nursery;

/// <summary>Something loop code can wait on (a manager's slots, a limiter, a channel): it says what, for <see cref="EventLoop.DumpTree"/>.</summary>
internal interface IWaitSource
{
    /// <summary>What a waiter on this source waits for, as DumpTree shows it: "waiting for a slot in TaskManager #3 (3 of 3 running)".</summary>
    string DescribeWait(LoopWait wait);
}
