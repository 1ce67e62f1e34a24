using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Nursery.Extensions.Hosting.Tests;

/// <summary>
/// NurseryLoopOptions.SlowCallbackThreshold: a step of loop code that holds the loop longer is a warning in the log,
/// naming the child and where it was spawned; without a threshold nothing is checked.
/// </summary>
public class SlowCallbackTests
{
    /// <summary>One child that blocks the loop thread for 400 ms (the mistake the check is for).</summary>
    private sealed class Blocker(HostTrace trace) : NurseryBackgroundService
    {
        protected override async Task ExecuteAsync(TaskManager tm, CancellationToken stoppingToken)
        {
            tm.Spawn(async () =>
            {
                await EventLoop.Yield();
                Thread.Sleep(400); // a synchronous wait on the loop thread, on purpose
                trace.Add("blocker done");
            }, "blocker");
        }
    }

    [Fact]
    public async Task SlowStep_OverTheThreshold_IsLoggedAsAWarning_NamingTheChildAndItsSpawnSite()
    {
        var trace = new HostTrace();
        using var host = TestHost.Build(trace, s => s
            .AddNurseryLoop(o => o.SlowCallbackThreshold = TimeSpan.FromMilliseconds(150))
            .AddNurseryBackgroundService<Blocker>());

        await host.StartAsync().GuardAsync("the host to start");
        await trace.WaitForAsync(" blocker (spawned at");
        await host.StopAsync().GuardAsync("the host to stop");

        // Only the blocker's step is certain to be slow (on a loaded machine another step may be preempted for longer).
        var slow = Assert.Single(trace.Events("SlowCallback"), e => e.Message.Contains(" blocker ", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, slow.Level);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(slow.Message, @"held Nursery loop "".+"" for \d+\.\d ms \(threshold 150 ms\), in child #\d+ blocker \(spawned at .*SlowCallbackTests\.cs:\d+\)"), slow.Message);
        Assert.True(trace.IndexOf("blocker done") < trace.IndexOf(" blocker (spawned at"), "reported after the step");
    }

    [Fact]
    public async Task WithoutAThreshold_NothingIsChecked()
    {
        var trace = new HostTrace();
        using var host = TestHost.Build(trace, s => s.AddNurseryBackgroundService<Blocker>());

        await host.StartAsync().GuardAsync("the host to start");
        await trace.WaitForAsync("blocker done");
        await host.StopAsync().GuardAsync("the host to stop");

        Assert.Null(host.Services.GetRequiredService<LoopThread>().Options.SlowCallbackThreshold);
        Assert.Empty(trace.Events("SlowCallback"));
    }
}
