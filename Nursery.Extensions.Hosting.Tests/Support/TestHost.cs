using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Nursery.Extensions.Hosting.Tests.Support;

/// <summary>Builds real generic hosts for the tests: no configuration files, every log entry into a <see cref="HostTrace"/>.</summary>
public static class TestHost
{
    /// <summary>
    /// A host with <paramref name="trace"/> as its only logger provider (and as a service), the given shutdown timeout
    /// and exception behaviour, and the services <paramref name="configure"/> adds.
    /// </summary>
    public static IHost Build(
        HostTrace trace,
        Action<IServiceCollection> configure,
        TimeSpan? shutdownTimeout = null,
        BackgroundServiceExceptionBehavior behavior = BackgroundServiceExceptionBehavior.StopHost)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(trace);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddSingleton(trace);
        builder.Services.Configure<HostOptions>(options =>
        {
            options.ShutdownTimeout = shutdownTimeout ?? TimeSpan.FromSeconds(10);
            options.BackgroundServiceExceptionBehavior = behavior;
        });
        builder.Services.Configure<ConsoleLifetimeOptions>(options => options.SuppressStatusMessages = true);
        configure(builder.Services);
        return builder.Build();
    }
}
