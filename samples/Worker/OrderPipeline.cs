using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Nursery;
using Nursery.Extensions.Hosting;

namespace Worker;

/// <summary>
/// The worker's one background service: a nursery of a producer, three workers and a heartbeat on the host's loop.
/// Everything here runs on the loop thread, so the counters need no locks.
/// </summary>
internal sealed class OrderPipeline(ILogger<OrderPipeline> logger) : NurseryBackgroundService
{
    /// <summary>Orders produced so far. Loop thread only.</summary>
    private int _produced;

    /// <summary>Orders processed so far. Loop thread only.</summary>
    private int _processed;

    protected override async Task ExecuteAsync(TaskManager tm, CancellationToken stoppingToken)
    {
        var orders = Channel.CreateBounded<int>(capacity: 5);
        tm.Spawn(ct => ProduceAsync(orders.Writer, ct), "producer");
        for (var id = 1; id <= 3; id++)
        {
            var worker = id;
            tm.Spawn(ct => ProcessAsync(worker, orders.Reader, ct), $"worker {worker}");
        }
        // A child may pass the host's stoppingToken straight on, as BackgroundService code does: its cancellation
        // counts as the nursery's own, not as a failure.
        tm.Spawn(() => HeartbeatAsync(stoppingToken), "heartbeat");
        logger.LogInformation("Pipeline started on thread \"{Thread}\": a producer, 3 workers and a heartbeat", Thread.CurrentThread.Name);
    }

    private async Task ProduceAsync(ChannelWriter<int> orders, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                await EventLoop.Sleep(TimeSpan.FromMilliseconds(300), ct);
                await orders.WriteAsync(++_produced, ct);
            }
        }
        finally
        {
            logger.LogInformation("producer stopped after {Produced} orders (its finally block ran)", _produced);
        }
    }

    private async Task ProcessAsync(int worker, ChannelReader<int> orders, CancellationToken ct)
    {
        try
        {
            await foreach (var order in orders.ReadAllAsync(ct))
            {
                await EventLoop.Sleep(TimeSpan.FromMilliseconds(500), ct); // the work
                _processed++;
                logger.LogInformation("worker {Worker} processed order {Order}", worker, order);
            }
        }
        finally
        {
            logger.LogInformation("worker {Worker} stopped (its finally block ran)", worker);
        }
    }

    private async Task HeartbeatAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
                logger.LogInformation("heartbeat: {Produced} produced, {Processed} processed", _produced, _processed);
            }
        }
        finally
        {
            logger.LogInformation("heartbeat stopped (its finally block ran)");
        }
    }
}
