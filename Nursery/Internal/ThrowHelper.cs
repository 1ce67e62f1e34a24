namespace Nursery;

/// <summary>The library's error messages, in one place, each saying what went wrong and what to do instead.</summary>
internal static class ThrowHelper
{
    public static InvalidOperationException NotOnLoop(string member) => new(
        $"{member} must be called from code running on an event loop (inside EventLoop.Run, a TaskManager child or work " +
        "submitted to a loop host), but there is no event loop on this thread. From another thread, submit the work " +
        "through a loop host such as LoopThread.Submit.");

    public static InvalidOperationException ManagerOffLoop() => new(
        "This TaskManager belongs to an event loop that is not running on this thread. A TaskManager may only be used " +
        "from its loop's thread while the loop runs; from another thread, go through a loop host (ILoopHost.Submit) " +
        "to run code on the loop.");

    public static InvalidOperationException ManagerNeedsLoopThread() => new(
        "A TaskManager must be created on the thread that is running its event loop (inside EventLoop.Run or code " +
        "started from it). From another thread, go through a loop host (ILoopHost.Submit).");

    public static InvalidOperationException NoCurrentLoop() => new(
        "new TaskManager() without a loop uses EventLoop.Current, but there is no event loop running on this thread. " +
        "Create the manager inside EventLoop.Run (or pass the loop explicitly from code running on it).");

    public static InvalidOperationException ManagerClosed() => new(
        "This TaskManager has finished joining its children and is closed: no more children can be spawned or " +
        "scheduled into it. Spawn before the end of its 'await using' block, or create a new TaskManager.");

    public static ArgumentOutOfRangeException NegativeDelay(string parameter, TimeSpan value) => new(
        parameter, value, "The delay must be zero or positive.");
}
