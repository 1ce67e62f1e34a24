using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Nursery.Extensions.Hosting.Tests;

/// <summary>What AddNurseryLoop and AddNurseryBackgroundService put into the services.</summary>
public class RegistrationTests
{
    private sealed class Quiet : NurseryBackgroundService
    {
        protected override Task ExecuteAsync(TaskManager tm, CancellationToken stoppingToken) => Task.CompletedTask;
    }

    [Fact]
    public void AddNurseryLoop_CalledTwice_RegistersOneLoop_AsLoopThreadAndILoopHost_AndOneHostedService()
    {
        var trace = new HostTrace();
        using var host = TestHost.Build(trace, s => s.AddNurseryLoop().AddNurseryLoop().AddNurseryBackgroundService<Quiet>().AddNurseryBackgroundService<Quiet>());

        Assert.Same(host.Services.GetRequiredService<LoopThread>(), host.Services.GetRequiredService<ILoopHost>());
        Assert.Single(host.Services.GetServices<IHostedService>(), s => s.GetType().Name == "NurseryLoopService");
        Assert.Single(host.Services.GetServices<IHostedService>().OfType<Quiet>());
    }

    [Fact]
    public void StopTimeout_DefaultsToTheShutdownTimeout_AndTheOptionsOverrideIt()
    {
        using (var host = TestHost.Build(new HostTrace(), s => s.AddNurseryLoop(), shutdownTimeout: TimeSpan.FromSeconds(7)))
        {
            Assert.Equal(TimeSpan.FromSeconds(7), host.Services.GetRequiredService<LoopThread>().StopTimeout);
        }
        using (var host = TestHost.Build(new HostTrace(), s => s.AddNurseryLoop(o => o.StopTimeout = TimeSpan.FromSeconds(2)), shutdownTimeout: TimeSpan.FromSeconds(7)))
        {
            Assert.Equal(TimeSpan.FromSeconds(2), host.Services.GetRequiredService<LoopThread>().StopTimeout);
        }
    }

    [Fact]
    public async Task Clock_FromTheOptions_IsTheLoopsClock()
    {
        var clock = new VirtualClock { AutoJump = true };
        using var host = TestHost.Build(new HostTrace(), s => s.AddNurseryLoop(o => o.Clock = clock));
        var loop = host.Services.GetRequiredService<ILoopHost>();
        await host.StartAsync().GuardAsync("the host to start");

        // An hour of virtual time: AutoJump skips it, so this returns at once.
        var now = await loop.Submit(async ct => { await EventLoop.Sleep(TimeSpan.FromHours(1), ct); return EventLoop.Current!.Now; }).GuardAsync("an hour of virtual time");

        Assert.Same(clock, loop.Loop.Clock);
        Assert.Equal(TimeSpan.FromHours(1), now);
        await host.StopAsync().GuardAsync("the host to stop");
    }

    [Fact]
    public void AddNurseryLoop_WithNullServices_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => NurseryServiceCollectionExtensions.AddNurseryLoop(null!));
        Assert.Throws<ArgumentNullException>(() => NurseryServiceCollectionExtensions.AddNurseryBackgroundService<Quiet>(null!));
    }
}
