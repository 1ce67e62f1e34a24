namespace Nursery.Tests.Support;

/// <summary>
/// Observes a loop thread from another thread: whether it has blocked, which for a loop that nobody else makes
/// wait means it is idle, waiting for its inbox. Used to exercise the "wake an idle loop" paths on purpose; a test's
/// outcome never depends on it, only which path is taken.
/// </summary>
public static class LoopThreadWatch
{
    /// <summary>
    /// Waits until <paramref name="loopThread"/> blocks or ends (or <paramref name="limit"/> passes); returns whether
    /// it blocked or ended.
    /// </summary>
    public static bool WaitUntilBlocked(Thread loopThread, TimeSpan? limit = null) =>
        SpinWait.SpinUntil(() => (loopThread.ThreadState & (ThreadState.WaitSleepJoin | ThreadState.Stopped)) != 0, limit ?? S(5));

    /// <summary>
    /// A task completed by another thread once <paramref name="loopThread"/> blocks, that is once the loop has nothing
    /// to do but wait (a loop that never blocks gets it after a few seconds anyway, and its test then fails on what it checks).
    /// </summary>
    public static Task SignalledOnceBlocked(Thread loopThread)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watcher = new Thread(() =>
        {
            WaitUntilBlocked(loopThread);
            signal.SetResult();
        }) { IsBackground = true, Name = "idle watcher" };
        watcher.Start();
        return signal.Task;
    }
}
