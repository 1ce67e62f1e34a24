using System.Runtime.CompilerServices;

namespace Nursery.Tests.Support;

/// <summary>
/// Runs a scenario under many schedule seeds, each on a fresh loop with a virtual clock. When one fails, the failure
/// names the seed and says how to replay it. The same helper as in the guide's "Testing concurrent code" chapter.
/// </summary>
public static class Schedules
{
    /// <summary>Set it to a seed to run only that seed (replaying a failure).</summary>
    public const string ReplayVariable = "NURSERY_REPLAY_SEED";

    /// <summary>Runs <paramref name="scenario"/> on loops seeded 1..<paramref name="seeds"/> (or only the replayed seed).</summary>
    public static void Explore(int seeds, Action<EventLoop> scenario, [CallerMemberName] string test = "")
    {
        var replay = Environment.GetEnvironmentVariable(ReplayVariable);
        IEnumerable<int> chosen = int.TryParse(replay, out var only) ? [only] : Enumerable.Range(1, seeds);
        foreach (var seed in chosen)
        {
            using var loop = new EventLoop(new VirtualClock(), new LoopOptions { ScheduleSeed = seed });
            try
            {
                scenario(loop);
            }
            catch (Exception e)
            {
                Assert.Fail(
                    $"{test} failed under ScheduleSeed = {seed}.\n" +
                    $"Replay: {ReplayVariable}={seed} dotnet test --filter \"FullyQualifiedName~{test}\"\n" +
                    $"   or pin it: new LoopOptions {{ ScheduleSeed = {seed} }}\n{e}");
            }
        }
    }
}
