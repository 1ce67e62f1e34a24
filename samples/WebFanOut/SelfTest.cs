using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace WebFanOut;

/// <summary>
/// The sample checking itself: serves on a free local port, makes a request that completes and one that the client
/// aborts mid-way, and checks what each fan-out did. Exit code 0 only when everything behaved.
/// </summary>
public static class SelfTest
{
    /// <summary>How long any one step may take before the self-test calls it a hang.</summary>
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(WebApplication app)
    {
        var failures = 0;
        void Check(bool condition, string what)
        {
            Console.WriteLine($"{(condition ? "ok" : "FAILED")}: {what}");
            if (!condition) failures++;
        }

        await app.StartAsync();
        var log = app.Services.GetRequiredService<FanOutLog>();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = s_limit };
        Console.WriteLine($"Serving on {http.BaseAddress}");
        try
        {
            Console.WriteLine();
            Console.WriteLine("1. GET /quote/tea: the three suppliers answer, the best offer comes back");
            var offer = await http.GetFromJsonAsync<Offer>("/quote/tea?request=completed");
            Check(offer == new Offer("globex", 3.90m), $"the best offer is globex's 3.90 (got {offer})");
            var completed = log.Lines("completed");
            Check(completed.Count(l => l.Contains(" answered ", StringComparison.Ordinal)) == 3, "all three suppliers answered");

            Console.WriteLine();
            Console.WriteLine("2. GET /quote/slow, and the client gives up once the three supplier calls are under way");
            using var giveUp = new CancellationTokenSource();
            var slow = http.GetAsync("/quote/slow?request=aborted", giveUp.Token);
            await log.WhenAsync("aborted", lines => lines.Count(l => l.StartsWith("asking ", StringComparison.Ordinal)) == 3).WaitAsync(s_limit);
            Console.WriteLine("  (client: closing the connection)");
            await giveUp.CancelAsync();
            var clientSaw = await Task.WhenAny(slow).WaitAsync(s_limit);
            Check(clientSaw.IsCanceled, "the client's request ended cancelled");
            await log.WhenAsync("aborted", lines => lines.Any(l => l.StartsWith("fan-out cancelled", StringComparison.Ordinal))).WaitAsync(s_limit);
            var aborted = log.Lines("aborted");
            Check(aborted.Count(l => l.EndsWith("cancelled (its cleanup ran)", StringComparison.Ordinal)) == 3, "all three supplier calls were cancelled and cleaned up");
            Check(!aborted.Any(l => l.Contains(" answered ", StringComparison.Ordinal)), "no supplier call ran to its end");
        }
        catch (TimeoutException e)
        {
            Check(false, $"a step finished within {s_limit.TotalSeconds} s ({e.Message})");
        }
        finally
        {
            await app.StopAsync();
        }

        Console.WriteLine();
        Console.WriteLine(failures == 0 ? "self-test passed" : $"self-test FAILED: {failures} check(s)");
        return failures == 0 ? 0 : 1;
    }
}
