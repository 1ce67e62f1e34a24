using System.Runtime.ExceptionServices;

namespace Nursery.Tests.Support;

/// <summary>
/// Runs code on a new thread while the calling thread (usually the loop's own) waits for it: whatever the code posts
/// to the loop is still queued, not run, when this returns. That makes "from another thread" scenarios deterministic.
/// </summary>
public static class AnotherThread
{
    /// <summary>Runs <paramref name="action"/> on a new thread and waits for it; rethrows what it threw, as the same object.</summary>
    public static void Run(Action action)
    {
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try { action(); }
            catch (Exception e) { failure = ExceptionDispatchInfo.Capture(e); }
        });
        thread.Start();
        thread.Join();
        failure?.Throw();
    }
}
