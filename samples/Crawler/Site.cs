using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

/// <summary>
/// The site to crawl: a local Kestrel server with <see cref="Pages"/> pages. Page n links to n + 1, 2n + 1 and 2n + 2,
/// answers after a delay drawn from a seeded generator (10-60 ms), except one slow page (10 s) and one failing page
/// (HTTP 500). It counts how many requests it serves at once, so the crawler's limit can be checked from the outside.
/// </summary>
internal sealed class Site : IAsyncDisposable
{
    public const int Pages = 200;
    public const int SlowPage = 137;
    public const int FailingPage = 66;

    private readonly WebApplication _app;
    private readonly int[] _delays;
    private int _inFlight;
    private int _peakInFlight;
    private int _served;

    private Site(WebApplication app, int[] delays)
    {
        _app = app;
        _delays = delays;
    }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The most requests the server was handling at one moment.</summary>
    public int PeakInFlight => Volatile.Read(ref _peakInFlight);

    /// <summary>How many requests reached the server.</summary>
    public int Served => Volatile.Read(ref _served);

    public static async Task<Site> StartAsync(int seed)
    {
        var random = new Random(seed);
        var delays = Enumerable.Range(0, Pages).Select(_ => random.Next(10, 61)).ToArray();
        delays[SlowPage] = 10_000;
        var builder = WebApplication.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0"); // a free port on the loopback interface only
        var site = new Site(builder.Build(), delays);
        site._app.MapGet("/page/{n:int}", site.ServeAsync);
        site._app.MapGet("/warm-up", () => "ready"); // the first request of a process is slow (JIT, connection): not a page
        await site._app.StartAsync();
        var address = site._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        site.BaseAddress = new Uri(address);
        return site;
    }

    /// <summary>The pages page <paramref name="n"/> links to.</summary>
    public static IEnumerable<int> LinksOf(int n) => new[] { n + 1, 2 * n + 1, 2 * n + 2 }.Where(link => link < Pages);

    private async Task<IResult> ServeAsync(int n, HttpContext context)
    {
        Interlocked.Increment(ref _served);
        var now = Interlocked.Increment(ref _inFlight);
        for (var peak = Volatile.Read(ref _peakInFlight); now > peak; peak = Volatile.Read(ref _peakInFlight))
        {
            if (Interlocked.CompareExchange(ref _peakInFlight, now, peak) == peak) break;
        }
        try
        {
            if (n < 0 || n >= Pages) return Results.NotFound();
            await Task.Delay(_delays[n], context.RequestAborted);
            if (n == FailingPage) return Results.StatusCode(500);
            var links = string.Join("\n", LinksOf(n).Select(link => $"<a href=\"/page/{link.ToString(CultureInfo.InvariantCulture)}\">"));
            return Results.Text($"<h1>page {n.ToString(CultureInfo.InvariantCulture)}</h1>\n{links}\n", "text/html");
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
