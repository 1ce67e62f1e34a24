using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Nursery.Extensions.Hosting;

/// <summary>
/// Ties the host's <see cref="LoopThread"/> to the host's lifetime: the loop runs before any hosted service starts
/// and stops — its work cancelled and joined — after every hosted service has stopped, within the host's shutdown
/// timeout.
/// </summary>
/// <remarks>
/// A lifecycle service rather than a plain <see cref="IHostedService"/> so that the order in which services were
/// registered does not matter: <see cref="StartingAsync"/> runs before every <c>StartAsync</c> and
/// <see cref="StoppedAsync"/> after every <c>StopAsync</c>. The loop therefore outlives everything that uses it: a
/// <see cref="NurseryBackgroundService"/> joins its own nursery in its <c>StopAsync</c>, a web server drains its
/// requests in its own, and only then does the loop cancel what is left and end.
/// </remarks>
internal sealed class NurseryLoopService : IHostedLifecycleService
{
    /// <summary>The host's loop (a DI singleton; the container disposes it).</summary>
    private readonly LoopThread _loop;

    /// <summary>Where the loop's start and stop go.</summary>
    private readonly ILogger _logger;

    public NurseryLoopService(LoopThread loop, ILoggerFactory? loggerFactory)
    {
        _loop = loop;
        _logger = loggerFactory?.CreateLogger(NurseryLog.LoopCategory) ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    }

    /// <summary>Starts the loop thread before any hosted service starts, so that every one of them finds it running.</summary>
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        _loop.EnsureRunning();
        NurseryLog.LoopStarted(_logger, _loop.Name);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// After every hosted service has stopped: cancels the loop's remaining work and waits until it has ended and the
    /// loop thread has finished, or until <paramref name="cancellationToken"/> (the host's shutdown timeout) fires.
    /// </summary>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        NurseryLog.LoopStopping(_logger, _loop.Name, _loop.StopTimeout);
        var elapsed = Stopwatch.StartNew();
        _loop.Stop();
        // LoopThread offers only a blocking wait. It is bounded by the loop's StopTimeout (the host's shutdown timeout
        // unless configured otherwise), so the dedicated thread it blocks always comes back.
        var stopped = Task.Factory.StartNew(_loop.WaitForStop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            await stopped.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            NurseryLog.LoopStopTimedOut(_logger, _loop.Name, _loop.StopTimeout);
            // Nobody waits for the stop any more; a failure it still reports must not vanish.
            _ = stopped.ContinueWith(
                static (task, state) =>
                {
                    var (logger, name) = ((ILogger, string))state!;
                    NurseryLog.LoopStopFailed(logger, name, task.Exception!.InnerException!);
                },
                (_logger, _loop.Name), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            return;
        }
        NurseryLog.LoopStopped(_logger, _loop.Name, elapsed.ElapsedMilliseconds);
    }
}
