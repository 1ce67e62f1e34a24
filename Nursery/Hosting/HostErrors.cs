namespace Nursery;

/// <summary>The hosting layer's error messages, each saying what went wrong and what to do instead.</summary>
internal static class HostErrors
{
    /// <summary>
    /// Refuses a blocking call made on the thread of the loop it would wait for: that thread would block waiting for
    /// work only it can run, and never return.
    /// </summary>
    public static void ThrowIfOnLoop(EventLoop loop, string member)
    {
        if (EventLoop.Current == loop) throw Deadlock(member);
    }

    public static InvalidOperationException Deadlock(string member) => new(
        $"{member} was called on the thread of the event loop it would wait for. Blocking that thread stops the loop, " +
        "so the wait could never end (a deadlock). From code running on the loop, await instead (await host.Submit(...), " +
        "await dispatcher.ExecuteAsync(...)); call blocking entry points only from threads that do not run this loop.");

    public static ObjectDisposedException Stopped(object host, string name) => new(
        host.GetType().Name,
        $"{host.GetType().Name} \"{name}\" has been stopped. A stopped host does not restart: create a new one.");

    public static LoopHostException StoppedWithFailure(string name, Exception failure) => new(
        $"The loop host \"{name}\" stopped with a failure of its own (not of a submitted work item): {failure.Message}",
        failure);
}
