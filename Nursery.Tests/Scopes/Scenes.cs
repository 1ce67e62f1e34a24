namespace Nursery.Tests.Scopes;

/// <summary>Small helpers for the cancel-scope tests.</summary>
internal static class Scenes
{
    /// <summary>Trio's sleep_forever(): far beyond every deadline in these tests.</summary>
    public static readonly TimeSpan Forever = TimeSpan.FromDays(365);

    /// <summary>
    /// Runs <paramref name="action"/> on the loop at virtual time <paramref name="at"/>, as a child of
    /// <paramref name="helper"/>: a manager opened outside the scopes under test, so they do not cover the action.
    /// </summary>
    public static ChildTask At(TaskManager helper, TimeSpan at, Action action)
    {
        var now = EventLoop.Current!.Now;
        return helper.Schedule(async () => action(), at > now ? at - now : TimeSpan.Zero);
    }

    /// <summary>Awaits <paramref name="checkpoint"/> and says how it ended: "ok" or "cancelled".</summary>
    public static async Task<string> OutcomeOf(Func<Task> checkpoint)
    {
        try
        {
            await checkpoint();
            return "ok";
        }
        catch (OperationCanceledException)
        {
            return "cancelled";
        }
    }
}
