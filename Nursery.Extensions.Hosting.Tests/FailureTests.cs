using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Nursery.Extensions.Hosting.Tests;

/// <summary>
/// Failures in a NurseryBackgroundService: each is a log event with the child that failed, its siblings are cancelled
/// and joined, and the host applies HostOptions.BackgroundServiceExceptionBehavior (StopHost, Ignore).
/// </summary>
public class FailureTests
{
    /// <summary>The host's own events about background services (Microsoft.Extensions.Hosting.Internal.Host).</summary>
    private const string HostFaulted = "BackgroundServiceFaulted";
    private const string HostStopping = "BackgroundServiceStoppingHost";

    /// <summary>One child fails after a tick of the loop; its sibling waits for ever and logs its finally block.</summary>
    private sealed class FailingChild(HostTrace trace) : NurseryBackgroundService
    {
        protected override async Task ExecuteAsync(TaskManager tm, CancellationToken stoppingToken)
        {
            tm.Spawn(async ct =>
            {
                try { trace.Add("sibling started"); await EventLoop.Sleep(TimeSpan.FromHours(1), ct); }
                finally { trace.Add("sibling finally"); }
            }, "sibling");
            tm.Spawn(async () =>
            {
                await EventLoop.Yield();
                throw new InvalidOperationException("database gone");
            }, "importer");
        }
    }

    /// <summary>Keeps running on the same loop, to show that the host (and its loop) outlive the failed service.</summary>
    private sealed class Survivor(HostTrace trace) : NurseryBackgroundService
    {
        protected override async Task ExecuteAsync(TaskManager tm, CancellationToken stoppingToken)
        {
            tm.Spawn(async ct =>
            {
                try { trace.Add("survivor started"); await EventLoop.Sleep(TimeSpan.FromHours(1), ct); }
                finally { trace.Add("survivor finally"); }
            });
        }
    }

    /// <summary>The body itself throws after spawning a child.</summary>
    private sealed class FailingBody(HostTrace trace) : NurseryBackgroundService
    {
        protected override async Task ExecuteAsync(TaskManager tm, CancellationToken stoppingToken)
        {
            tm.Spawn(async ct =>
            {
                try { await EventLoop.Sleep(TimeSpan.FromHours(1), ct); }
                finally { trace.Add("child finally"); }
            });
            await EventLoop.Yield();
            throw new FormatException("bad configuration");
        }
    }

    [Fact]
    public async Task FailingChild_UnderStopHost_IsLogged_CancelsItsSibling_AndStopsTheHost()
    {
        var trace = new HostTrace();
        using var host = TestHost.Build(trace, s => s.AddNurseryBackgroundService<FailingChild>(), behavior: BackgroundServiceExceptionBehavior.StopHost);
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();

        // RunAsync returns once the host has stopped itself. (Microsoft.Extensions.Hosting 10.0.0 returns normally; later
        // hosts rethrow the service's exception from RunAsync, dotnet/runtime#67146: either is the host's own doing.)
        var thrown = await Record.ExceptionAsync(() => host.RunAsync().GuardAsync("the host to stop on its own"));

        Assert.True(thrown is null or InvalidOperationException { Message: "database gone" }, $"RunAsync threw {thrown}");
        Assert.True(lifetime.ApplicationStopping.IsCancellationRequested);
        var logged = Assert.Single(trace.Events("ChildFailed"));
        Assert.Equal(LogLevel.Error, logged.Level);
        Assert.Equal(typeof(FailingChild).FullName!.Replace('+', '.'), logged.Category); // ILogger<T>'s category: nested types with dots
        Assert.Matches(@"^Child #\d+ importer of FailingChild failed at loop time", logged.Message);
        Assert.Equal("database gone", Assert.IsType<InvalidOperationException>(logged.Exception).Message);
        Assert.Same(logged.Exception, Assert.Single(trace.Events(HostFaulted)).Exception);
        // Order: the sibling is cancelled and joined, then the failure is logged and the host reacts.
        Assert.True(trace.IndexOf("sibling finally") < trace.IndexOf("ChildFailed"));
        Assert.True(trace.IndexOf("ChildFailed") < trace.IndexOf(HostFaulted));
        Assert.True(trace.IndexOf(HostStopping) < trace.IndexOf("LoopStopped"));
    }

    [Fact]
    public async Task FailingChild_UnderIgnore_IsLogged_AndTheHostAndItsLoopKeepRunning()
    {
        var trace = new HostTrace();
        using var host = TestHost.Build(trace, s =>
        {
            s.AddNurseryBackgroundService<Survivor>();
            s.AddNurseryBackgroundService<FailingChild>();
        }, behavior: BackgroundServiceExceptionBehavior.Ignore);
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStopping.Register(() => trace.Add("application stopping"));
        var loop = host.Services.GetRequiredService<ILoopHost>();

        await host.StartAsync().GuardAsync("the host to start");
        await trace.WaitForAsync(HostFaulted);
        // The loop still serves: new work runs, and the other service's child is still waiting.
        Assert.Equal(42, await loop.Submit(async ct => { await EventLoop.Yield(); return 42; }).GuardAsync("work submitted after the failure"));
        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested);
        trace.Add("test: stopping the host");
        await host.StopAsync().GuardAsync("the host to stop");

        Assert.Single(trace.Events("ChildFailed"));
        Assert.Empty(trace.Events(HostStopping));
        Assert.True(trace.IndexOf("test: stopping the host") < trace.IndexOf("application stopping"));
        Assert.True(trace.IndexOf("ChildFailed") < trace.IndexOf("survivor finally"));
    }

    [Fact]
    public async Task FailingBody_IsLoggedAsExecuteFailed_AfterItsChildWasCancelled()
    {
        var trace = new HostTrace();
        using var host = TestHost.Build(trace, s => s.AddNurseryBackgroundService<FailingBody>(), behavior: BackgroundServiceExceptionBehavior.Ignore);

        await host.StartAsync().GuardAsync("the host to start");
        await trace.WaitForAsync(HostFaulted);
        await host.StopAsync().GuardAsync("the host to stop");

        Assert.Empty(trace.Events("ChildFailed"));
        var logged = Assert.Single(trace.Events("ExecuteFailed"));
        Assert.IsType<FormatException>(logged.Exception);
        Assert.Equal("ExecuteAsync of FailingBody failed; its children were cancelled and joined", logged.Message);
        Assert.True(trace.IndexOf("child finally") < trace.IndexOf("ExecuteFailed"));
    }

    [Fact]
    public async Task RegisteredWithAddHostedService_WithoutALoop_FailsTheService_NamingTheFix()
    {
        var trace = new HostTrace();
        using var host = TestHost.Build(trace, s => s.AddHostedService<Survivor>());

        // Since .NET 10 the host runs ExecuteAsync in the background, so even a synchronous throw fails the service
        // (and, under StopHost, stops the host) rather than the start.
        await Record.ExceptionAsync(() => host.RunAsync().GuardAsync("the host to stop on its own"));

        var e = Assert.IsType<InvalidOperationException>(Assert.Single(trace.Events(HostFaulted)).Exception);
        Assert.Contains("Register it with services.AddNurseryBackgroundService<Survivor>()", e.Message);
    }
}
