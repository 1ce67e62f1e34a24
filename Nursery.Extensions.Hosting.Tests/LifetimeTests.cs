using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Nursery.Extensions.Hosting.Tests;

/// <summary>
/// A NurseryBackgroundService in a real host: it runs on the host's loop, and every way the host stops (StopAsync,
/// StopApplication as a SIGTERM handler calls it) cancels its children, runs their finally blocks and joins them
/// before the loop stops — well inside HostOptions.ShutdownTimeout.
/// </summary>
public class LifetimeTests
{
    /// <summary>Two children that run until cancelled, each with a finally block.</summary>
    private sealed class TwoSleepers(HostTrace trace) : NurseryBackgroundService
    {
        protected override async Task ExecuteAsync(TaskManager tm, CancellationToken stoppingToken)
        {
            trace.Add($"body on the loop thread: {EventLoop.Current is not null}, thread \"{Thread.CurrentThread.Name}\"");
            foreach (var name in new[] { "a", "b" })
            {
                tm.Spawn(async ct =>
                {
                    try
                    {
                        trace.Add($"{name} started");
                        await EventLoop.Sleep(TimeSpan.FromHours(1), ct);
                    }
                    finally
                    {
                        trace.Add($"{name} finally");
                    }
                }, name);
            }
        }
    }

    /// <summary>Children that pass the host's stoppingToken straight to Task.Delay, as BackgroundService code does.</summary>
    private sealed class StoppingTokenUser(HostTrace trace) : NurseryBackgroundService
    {
        public List<ChildTask> Children { get; } = [];

        protected override async Task ExecuteAsync(TaskManager tm, CancellationToken stoppingToken)
        {
            for (var i = 1; i <= 3; i++)
            {
                var name = $"delay {i}";
                Children.Add(tm.Spawn(async () =>
                {
                    try
                    {
                        trace.Add($"{name} started");
                        await Task.Delay(Timeout.Infinite, stoppingToken);
                    }
                    finally
                    {
                        trace.Add($"{name} finally");
                    }
                }, name));
            }
            // A nested manager of its own, given the same token (the outside-token API).
            Children.Add(tm.Spawn(async () =>
            {
                await using var inner = new TaskManager(EventLoop.Current!, stoppingToken);
                inner.Spawn(async () =>
                {
                    try { trace.Add("inner started"); await Task.Delay(Timeout.Infinite, stoppingToken); }
                    finally { trace.Add("inner finally"); }
                });
            }, "nested"));
        }
    }

    [Fact]
    public async Task StartAsync_StartsTheLoopFirst_AndRunsTheBodyOnTheLoopThread()
    {
        var trace = new HostTrace();
        using var host = TestHost.Build(trace, s => s.AddNurseryBackgroundService<TwoSleepers>());
        var loop = host.Services.GetRequiredService<LoopThread>();
        Assert.False(loop.IsRunning);

        await host.StartAsync().GuardAsync("the host to start");
        await trace.WaitForAsync("b started");

        Assert.True(loop.IsRunning);
        Assert.Same(loop, host.Services.GetRequiredService<ILoopHost>());
        Assert.True(trace.IndexOf("LoopStarted") < trace.IndexOf("body on the loop thread"));
        Assert.Contains($"body on the loop thread: True, thread \"{loop.Name}\"", trace.Lines);
        await host.StopAsync().GuardAsync("the host to stop");
    }

    [Fact]
    public async Task StopAsync_CancelsAndJoinsTheChildren_ThenStopsTheLoop()
    {
        var trace = new HostTrace();
        using var host = TestHost.Build(trace, s => s.AddNurseryBackgroundService<TwoSleepers>());
        var loop = host.Services.GetRequiredService<LoopThread>();
        await host.StartAsync().GuardAsync("the host to start");
        await trace.WaitForAsync("b started");

        await host.StopAsync().GuardAsync("the host to stop");

        // Both finally blocks ran before the loop began to stop, and the loop stopped before StopAsync returned.
        Assert.True(trace.IndexOf("a finally") < trace.IndexOf("LoopStopping"));
        Assert.True(trace.IndexOf("b finally") < trace.IndexOf("LoopStopping"));
        Assert.True(trace.IndexOf("LoopStopping") < trace.IndexOf("LoopStopped"));
        Assert.False(loop.IsRunning);
        Assert.True(loop.WaitForStop(TimeSpan.Zero), "the loop thread has ended");
        await Assert.ThrowsAsync<ObjectDisposedException>(() => loop.Submit(_ => Task.CompletedTask).GuardAsync("a refused submission"));
        Assert.DoesNotContain(trace.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
    }

    [Fact]
    public async Task StopApplication_AsOnSigterm_EndsRunAsyncAfterEveryFinally_WellInsideTheShutdownTimeout()
    {
        var trace = new HostTrace();
        var shutdownTimeout = TimeSpan.FromSeconds(10);
        using var host = TestHost.Build(trace, s => s.AddNurseryBackgroundService<TwoSleepers>(), shutdownTimeout);
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        var run = host.RunAsync();
        await trace.WaitForAsync("b started");

        // What the console lifetime does on SIGTERM or Ctrl+C.
        var elapsed = Stopwatch.StartNew();
        lifetime.StopApplication();
        await run.GuardAsync("RunAsync to return after StopApplication");
        elapsed.Stop();

        Assert.Contains("a finally", trace.Lines);
        Assert.Contains("b finally", trace.Lines);
        Assert.Single(trace.Events("LoopStopped"));
        Assert.True(elapsed.Elapsed < shutdownTimeout / 4, $"the shutdown took {elapsed.ElapsedMilliseconds} ms of a {shutdownTimeout.TotalSeconds} s timeout");
    }

    [Fact]
    public async Task StoppingToken_PassedStraightToChildren_EndsThemCancelled_NotFailed_AndEveryFinallyRuns()
    {
        var trace = new HostTrace();
        var shutdownTimeout = TimeSpan.FromSeconds(10);
        using var host = TestHost.Build(trace, s => s.AddNurseryBackgroundService<StoppingTokenUser>(), shutdownTimeout);
        var service = host.Services.GetServices<IHostedService>().OfType<StoppingTokenUser>().Single();
        await host.StartAsync().GuardAsync("the host to start");
        await trace.WaitForAsync("delay 3 started");
        await trace.WaitForAsync("inner started");

        var elapsed = Stopwatch.StartNew();
        await host.StopAsync().GuardAsync("the host to stop");

        foreach (var line in new[] { "delay 1 finally", "delay 2 finally", "delay 3 finally", "inner finally" })
        {
            Assert.True(trace.IndexOf(line) < trace.IndexOf("LoopStopping"), $"{line} before the loop stops");
        }
        Assert.All(service.Children, child => Assert.Equal(ChildTaskStatus.Cancelled, child.Status));
        Assert.DoesNotContain(trace.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
        Assert.True(elapsed.Elapsed < shutdownTimeout / 4, $"the shutdown took {elapsed.ElapsedMilliseconds} ms of a {shutdownTimeout.TotalSeconds} s timeout");
    }

    [Fact]
    public async Task HostedServiceOfYourOwn_SubmittingToTheInjectedLoop_IsJoinedBeforeTheLoopStops()
    {
        var trace = new HostTrace();
        using var host = TestHost.Build(trace, s =>
        {
            s.AddNurseryLoop();
            s.AddHostedService<Submitter>();
        });
        await host.StartAsync().GuardAsync("the host to start");
        await trace.WaitForAsync("submitted work started");

        await host.StopAsync().GuardAsync("the host to stop");

        Assert.True(trace.IndexOf("submitted work finally") < trace.IndexOf("LoopStopped"));
        var submitter = host.Services.GetServices<IHostedService>().OfType<Submitter>().Single();
        Assert.True(submitter.Work!.IsCanceled, "the caller's task ends cancelled: the host stopped before the work ended");
    }

    /// <summary>A plain hosted service (not a nursery) that submits long work to the loop and leaves it running.</summary>
    private sealed class Submitter(ILoopHost loop, HostTrace trace) : IHostedService
    {
        public Task? Work { get; private set; }

        public Task StartAsync(CancellationToken cancellationToken)
        {
            Work = loop.Submit(async ct =>
            {
                try { trace.Add("submitted work started"); await EventLoop.Sleep(TimeSpan.FromHours(1), ct); }
                finally { trace.Add("submitted work finally"); }
            });
            return Task.CompletedTask;
        }

        // Leaves the work running: the loop, which stops after every hosted service, cancels and joins it.
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
