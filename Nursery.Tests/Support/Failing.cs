using System.Runtime.CompilerServices;

namespace Nursery.Tests.Support;

/// <summary>Child bodies that fail after a while: the most common step of failure tests.</summary>
public static class Failing
{
    /// <summary>Sleeps on the loop for <paramref name="delay"/> (a checkpoint), then throws <paramref name="failure"/>.</summary>
    /// <remarks>A named, never-inlined method, so tests can find it in the stack trace of the rethrown failure.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static async Task AfterAsync(TimeSpan delay, Exception failure)
    {
        await EventLoop.Sleep(delay);
        throw failure;
    }

    /// <summary>The same for a child with a result type: sleeps, then throws <paramref name="failure"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static async Task<T> AfterAsync<T>(TimeSpan delay, Exception failure)
    {
        await EventLoop.Sleep(delay);
        throw failure;
    }
}
