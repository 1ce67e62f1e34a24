namespace Nursery.Tests.Diagnostics;

/// <summary>
/// A small, fixed program shared by the dump and trace snapshot tests: named and unnamed children, a nested
/// manager that is joining, a scheduled child, a sleeper, a failure and the cancellation it causes.
/// Kept in its own file so that editing the tests does not move the spawn sites the snapshots show.
/// </summary>
internal static class DiagnosticsScenario
{
    /// <summary>Runs the program; <paramref name="atTwoSeconds"/> is called from main at t = 2 s, while everything is in flight.</summary>
    public static async Task RunAsync(EventLoop loop, Action atTwoSeconds)
    {
        try
        {
            await using var tm = new TaskManager(loop);
            tm.Spawn(async ct => { await EventLoop.Sleep(TimeSpan.FromSeconds(5), ct); return "a"; }, name: "fetch A");
            tm.Spawn(async () =>
            {
                await using var inner = new TaskManager(loop);
                inner.Spawn(async ct => await EventLoop.Sleep(TimeSpan.FromSeconds(30), ct), name: "poll");
                inner.Schedule(() => Task.CompletedTask, TimeSpan.FromSeconds(10), name: "later");
            }, name: "owner");
            tm.Spawn(async () => 3);
            tm.Spawn(async () => { await EventLoop.Sleep(TimeSpan.FromSeconds(3)); throw new InvalidOperationException("flaky"); }, name: "flaky");
            await EventLoop.Sleep(TimeSpan.FromSeconds(2));
            atTwoSeconds();
        }
        catch (InvalidOperationException e) when (e.Message == "flaky")
        {
            // The failure at t = 3 s cancels the rest; that is part of what the trace shows.
        }
    }
}
