namespace Nursery.Tests.Support;

/// <summary>Runs async scenarios on a fresh loop under the hang guard; virtual time unless told otherwise.</summary>
public static class Virtual
{
    public static void Run(Func<EventLoop, Task> scenario, LoopClock? clock = null, TimeSpan? timeout = null) =>
        Guard.Run(() =>
        {
            using var loop = new EventLoop(clock ?? new VirtualClock());
            loop.Run(() => scenario(loop));
        }, timeout);

    public static T Run<T>(Func<EventLoop, Task<T>> scenario, LoopClock? clock = null, TimeSpan? timeout = null) =>
        Guard.Run(() =>
        {
            using var loop = new EventLoop(clock ?? new VirtualClock());
            return loop.Run(() => scenario(loop));
        }, timeout);

    public static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    public static TimeSpan Ms(double milliseconds) => TimeSpan.FromMilliseconds(milliseconds);
}
