namespace Nursery.Extensions.Hosting.Tests.Support;

/// <summary>
/// Hang guards for host tests: every wait on something that might never happen goes through one of these, so a
/// broken shutdown fails the test with a sentence instead of hanging the run.
/// </summary>
public static class Within
{
    /// <summary>Generous: each guarded step takes milliseconds when things work; only a hang reaches it.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    /// <summary>Awaits <paramref name="task"/>, failing the test when it has not ended within <see cref="Limit"/>.</summary>
    public static async Task GuardAsync(this Task task, string what)
    {
        try
        {
            await task.WaitAsync(Limit);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Still waiting after {Limit.TotalSeconds:0} s for {what}: something hangs.");
        }
    }

    /// <summary>Awaits <paramref name="task"/> for its result, failing the test when it has not ended within <see cref="Limit"/>.</summary>
    public static async Task<T> GuardAsync<T>(this Task<T> task, string what)
    {
        await ((Task)task).GuardAsync(what);
        return await task;
    }
}
