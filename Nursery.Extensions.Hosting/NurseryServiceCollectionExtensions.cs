using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nursery;
using Nursery.Extensions.Hosting;

// The namespace of IServiceCollection, as for every Add... extension of the Microsoft.Extensions family: the methods
// show up wherever services are configured, without a using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Nursery's event loop and nursery-based background services with a .NET host.</summary>
public static class NurseryServiceCollectionExtensions
{
    /// <summary>
    /// Registers the host's event loop: a <see cref="LoopThread"/>, available as <see cref="LoopThread"/> and as
    /// <see cref="ILoopHost"/>, that starts before the host's services start and stops — its work cancelled and
    /// joined — after they have stopped, within <c>HostOptions.ShutdownTimeout</c>.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Sets the loop's options (clock, stop timeout); <see langword="null"/> keeps the defaults.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <remarks>
    /// Calling it again adds no second loop; a <paramref name="configure"/> passed again is applied too. Code that is
    /// not on the loop (a request handler, a hosted service of your own) gets <see cref="ILoopHost"/> injected and
    /// submits work to it; on shutdown the loop waits for such work as it does for its own.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddNurseryLoop(this IServiceCollection services, Action<NurseryLoopOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<NurseryLoopOptions>();
        if (configure is not null) options.Configure(configure);
        services.TryAddSingleton(static provider =>
        {
            var loopOptions = provider.GetRequiredService<IOptions<NurseryLoopOptions>>().Value;
            var hostOptions = provider.GetService<IOptions<HostOptions>>()?.Value;
            return new LoopThread(loopOptions.Clock)
            {
                StopTimeout = loopOptions.StopTimeout ?? hostOptions?.ShutdownTimeout ?? TimeSpan.FromSeconds(30),
            };
        });
        services.TryAddSingleton<ILoopHost>(static provider => provider.GetRequiredService<LoopThread>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, NurseryLoopService>(static provider =>
            new NurseryLoopService(provider.GetRequiredService<LoopThread>(), provider.GetService<ILoggerFactory>())));
        return services;
    }

    /// <summary>
    /// Registers <typeparamref name="TService"/> as a hosted service that runs on the host's event loop (registered
    /// too, as by <see cref="AddNurseryLoop"/>), with the loop and a logger for its type given to it.
    /// </summary>
    /// <typeparam name="TService">The service; its constructor's parameters come from the services.</typeparam>
    /// <param name="services">The host's services.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <remarks>Registering the same type again adds no second instance, as with <c>AddHostedService</c>.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddNurseryBackgroundService<TService>(this IServiceCollection services)
        where TService : NurseryBackgroundService
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddNurseryLoop();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TService>(static provider =>
        {
            var service = ActivatorUtilities.CreateInstance<TService>(provider);
            service.Attach(provider.GetRequiredService<ILoopHost>(), provider.GetService<ILoggerFactory>());
            return service;
        }));
        return services;
    }
}
