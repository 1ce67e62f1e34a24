using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Nursery.Extensions.Hosting.Tests;

/// <summary>
/// Work that ignores cancellation cannot hold the host: the host stops when HostOptions.ShutdownTimeout expires, with
/// a warning that names the problem, and the loop gives the stubborn work up after its own stop timeout.
/// </summary>
public class ShutdownTimeoutTests
{
    /// <summary>A child that waits on a real-time delay without any token: cancellation cannot reach it.</summary>
    private sealed class Stubborn(HostTrace trace) : NurseryBackgroundService
    {
        protected override async Task ExecuteAsync(TaskManager tm, CancellationToken stoppingToken)
        {
            tm.Spawn(async () =>
            {
                trace.Add("stubborn started");
                await Task.Delay(TimeSpan.FromSeconds(30));
                trace.Add("stubborn ended");
            }, "stubborn");
        }
    }

    [Fact]
    public async Task ChildIgnoringCancellation_TheHostStopsAtItsShutdownTimeout_WithAWarning_AndTheLoopGivesUp()
    {
        var trace = new HostTrace();
        var shutdownTimeout = TimeSpan.FromMilliseconds(500);
        using var host = TestHost.Build(trace, s => s.AddNurseryBackgroundService<Stubborn>(), shutdownTimeout);
        var loop = host.Services.GetRequiredService<LoopThread>();
        await host.StartAsync().GuardAsync("the host to start");
        await trace.WaitForAsync("stubborn started");

        var elapsed = Stopwatch.StartNew();
        await host.StopAsync().GuardAsync("the host to stop despite the stubborn child");
        elapsed.Stop();

        var warning = Assert.Single(trace.Events("LoopStopTimedOut"));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("work on it has not ended since it was cancelled", warning.Message);
        Assert.Empty(trace.Events("LoopStopped"));
        Assert.True(elapsed.Elapsed >= shutdownTimeout - TimeSpan.FromMilliseconds(50), $"StopAsync returned after {elapsed.ElapsedMilliseconds} ms, before the timeout");
        // The loop's own stop timeout defaults to the host's shutdown timeout: it ends soon after, without the child.
        Assert.Equal(shutdownTimeout, loop.StopTimeout);
        Assert.True(loop.WaitForStop(Within.Limit), "the loop thread ends once its stop timeout has passed");
        Assert.DoesNotContain("stubborn ended", trace.Lines);
    }
}
