using Nursery;

namespace WebFanOut;

/// <summary>An offer from a supplier.</summary>
public sealed record Offer(string Supplier, decimal Price);

/// <summary>The per-request fan-out: three suppliers asked at once, as children of a nursery on the loop.</summary>
public static class Quotes
{
    /// <summary>The suppliers, how long each takes to answer and what it charges (a stand-in for three HTTP calls).</summary>
    private static readonly (string Name, TimeSpan Delay, decimal Price)[] s_suppliers =
    [
        ("acme", TimeSpan.FromMilliseconds(100), 4.20m),
        ("globex", TimeSpan.FromMilliseconds(200), 3.90m),
        ("initech", TimeSpan.FromMilliseconds(300), 4.05m),
    ];

    /// <summary>How long every supplier takes for the item "slow": long enough for a client to give up.</summary>
    private static readonly TimeSpan s_slow = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Asks every supplier at once and returns the cheapest offer. Runs on the loop; <paramref name="requestAborted"/>
    /// fires on a Kestrel thread when the client goes away, and cancels the nursery: every supplier call is cancelled,
    /// its cleanup runs, and the join throws an <see cref="OperationCanceledException"/> carrying that token.
    /// </summary>
    public static async Task<Offer> BestOfferAsync(string item, string request, FanOutLog log, CancellationToken requestAborted)
    {
        log.Add(request, $"fan-out started for \"{item}\": asking {s_suppliers.Length} suppliers at once");
        ChildTask<Offer>[] asks = [];
        try
        {
            await TaskManager.RunAsync(tm =>
            {
                asks = [.. s_suppliers.Select(s => tm.Spawn(ct => AskAsync(s.Name, item == "slow" ? s_slow : s.Delay, s.Price, request, log, ct), s.Name))];
                return Task.CompletedTask;
            }, requestAborted);
        }
        catch (OperationCanceledException e) when (e.CancellationToken == requestAborted)
        {
            log.Add(request, "fan-out cancelled: the client went away (RequestAborted), every supplier call has ended");
            throw;
        }
        var best = asks.Select(a => a.Result).MinBy(o => o.Price)!;
        log.Add(request, $"done: best offer {best.Price} from {best.Supplier}");
        return best;
    }

    private static async Task<Offer> AskAsync(string supplier, TimeSpan delay, decimal price, string request, FanOutLog log, CancellationToken ct)
    {
        log.Add(request, $"asking {supplier}");
        try
        {
            await EventLoop.Sleep(delay, ct);
        }
        catch (OperationCanceledException)
        {
            log.Add(request, $"{supplier} cancelled (its cleanup ran)");
            throw;
        }
        log.Add(request, $"{supplier} answered {price}");
        return new Offer(supplier, price);
    }
}
