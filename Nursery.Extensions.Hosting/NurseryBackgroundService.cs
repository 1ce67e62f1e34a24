using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Nursery.Extensions.Hosting;

/// <summary>
/// A <see cref="BackgroundService"/> whose work is a nursery on the host's event loop: override
/// <see cref="ExecuteAsync(TaskManager, CancellationToken)"/>, spawn children into the <see cref="TaskManager"/> it
/// receives, and the host starts them, cancels them on shutdown and waits until every one has ended.
/// </summary>
/// <remarks>
/// <para>
/// <b>Structure.</b> <see cref="ExecuteAsync(TaskManager, CancellationToken)"/> runs on the loop thread as the body of
/// <c>TaskManager.RunAsync(body, stoppingToken)</c>: returning from it does not end the service, the join of its
/// children does. When the host stops, <c>stoppingToken</c> fires, every child is cancelled (its token, its
/// checkpoints, the managers nested in it), every <c>finally</c> block runs, and only then does the service count as
/// stopped. A child may pass <c>stoppingToken</c> itself to an API (<c>Task.Delay(d, stoppingToken)</c>): the
/// cancellation that comes out of it is the manager's own, so the child ends cancelled, not failed.
/// </para>
/// <para>
/// <b>Failures.</b> One failing child cancels its siblings, as in any nursery. Each failure is logged through
/// <see cref="ILogger"/> (category: the service's type; with the child's id, name and loop time), and the nursery's
/// exception ends the service, which the host treats as for any <see cref="BackgroundService"/>: it logs it and, under
/// <see cref="BackgroundServiceExceptionBehavior.StopHost"/> (the default), stops the application; under
/// <see cref="BackgroundServiceExceptionBehavior.Ignore"/>, the host keeps running without this service.
/// </para>
/// <para>
/// <b>Registration.</b> <c>services.AddNurseryBackgroundService&lt;T&gt;()</c> registers the service and the host's
/// loop (<c>AddNurseryLoop</c>), and gives the service the loop and a logger, so a derived class needs no constructor
/// of its own. A service created another way passes an <see cref="ILoopHost"/> to the protected constructor.
/// </para>
/// </remarks>
public abstract class NurseryBackgroundService : BackgroundService
{
    /// <summary>Where the work runs. Set by the constructor or, once, by the registration.</summary>
    private ILoopHost? _loopHost;

    /// <summary>Where failures go. Set with the loop.</summary>
    private ILogger _logger = NullLogger.Instance;

    /// <summary>
    /// Creates a service whose loop and logger come from its registration,
    /// <c>services.AddNurseryBackgroundService&lt;T&gt;()</c>.
    /// </summary>
    protected NurseryBackgroundService()
    {
    }

    /// <summary>Creates a service that runs on <paramref name="loopHost"/> and logs to <paramref name="logger"/>.</summary>
    /// <param name="loopHost">The loop host to run on, usually the host's loop (<see cref="ILoopHost"/> from the services).</param>
    /// <param name="logger">Where child failures are logged; <see langword="null"/> logs nothing.</param>
    /// <exception cref="ArgumentNullException"><paramref name="loopHost"/> is null.</exception>
    protected NurseryBackgroundService(ILoopHost loopHost, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(loopHost);
        _loopHost = loopHost;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// The service's work, run on the host's loop as the body of a nursery. Spawn the service's long-running children
    /// into <paramref name="tm"/>; the service runs until they have all ended.
    /// </summary>
    /// <param name="tm">The service's nursery: its children are cancelled and joined when the host stops.</param>
    /// <param name="stoppingToken">Fires when the host stops (from the host's thread; it cancels <paramref name="tm"/> on the loop).</param>
    /// <returns>The body's task; the service ends when it and every child have ended.</returns>
    protected abstract Task ExecuteAsync(TaskManager tm, CancellationToken stoppingToken);

    /// <summary>
    /// Runs <see cref="ExecuteAsync(TaskManager, CancellationToken)"/> on the loop as a nursery; the returned task ends
    /// once the nursery has joined. Sealed: override the overload that receives the <see cref="TaskManager"/>.
    /// </summary>
    /// <param name="stoppingToken">Fires when the host stops.</param>
    /// <returns>A task that ends when the nursery has joined: normally, cancelled with <paramref name="stoppingToken"/>, or with the failure.</returns>
    /// <exception cref="InvalidOperationException">The service has no loop: it was not registered with <c>AddNurseryBackgroundService</c> and got none in its constructor.</exception>
    protected sealed override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loopHost = _loopHost ?? throw new InvalidOperationException(
            $"{GetType().Name} has no event loop to run on. Register it with services.AddNurseryBackgroundService<{GetType().Name}>() " +
            "(not AddHostedService), or pass the ILoopHost from the services to NurseryBackgroundService's constructor.");
        // The token goes to both: the host work item must not start once the host is stopping, and the nursery must own
        // the token, so that a child's OperationCanceledException carrying it counts as the nursery's cancellation.
        return loopHost.Submit(_ => RunNurseryAsync(stoppingToken), stoppingToken);
    }

    /// <summary>Gives a service created by its registration the host's loop and a logger; a service that has a loop keeps it.</summary>
    internal void Attach(ILoopHost loopHost, ILoggerFactory? loggerFactory)
    {
        if (_loopHost is not null) return;
        _loopHost = loopHost;
        _logger = loggerFactory?.CreateLogger(GetType()) ?? NullLogger.Instance;
    }

    /// <summary>The nursery, on the loop thread: runs the body, and logs what failed before the failure ends the service.</summary>
    private async Task RunNurseryAsync(CancellationToken stoppingToken)
    {
        TaskManager? nursery = null;
        try
        {
            await TaskManager.RunAsync(tm => { nursery = tm; return ExecuteAsync(tm, stoppingToken); }, stoppingToken);
        }
        catch (Exception failure) when (failure is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            LogFailures(nursery, failure);
            throw;
        }
    }

    /// <summary>
    /// Logs each child failure (from <see cref="TaskManager.Failures"/>, with the child's id, name and loop time) and a
    /// failure of the body itself, which has no child and so is not in that list.
    /// </summary>
    private void LogFailures(TaskManager? nursery, Exception failure)
    {
        var service = GetType().Name;
        var fromChildren = new HashSet<Exception>(ReferenceEqualityComparer.Instance);
        if (nursery is not null)
        {
            foreach (var f in nursery.Failures)
            {
                fromChildren.Add(f.Exception);
                NurseryLog.ChildFailed(_logger, f.Child.Id, f.Child.Name ?? "(unnamed)", service, f.At,
                    f.Primary ? "" : " while it was being cancelled", f.Exception);
            }
        }
        // RunAsync rethrows one failure as it is and several as an AggregateException (the body's first).
        IEnumerable<Exception> thrown = failure is AggregateException all && !fromChildren.Contains(failure) ? all.InnerExceptions : [failure];
        foreach (var e in thrown)
        {
            if (!fromChildren.Contains(e)) NurseryLog.ExecuteFailed(_logger, service, e);
        }
    }
}
