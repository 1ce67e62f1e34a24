// A web crawler: at most 10 requests in flight, a 1.5 s deadline per request, results printed as they arrive, a
// summary at the end. It crawls a local server that it starts itself (200 linked pages, seeded random delays, one
// slow page, one failing page).
//
//   dotnet run --project samples/Crawler
//
// The pieces: a bounded nursery (TaskManagerOptions.MaxConcurrency = 10) that is a supervisor (FailurePolicy.CollectAll:
// one bad page does not stop the crawl), WhenEach to handle each page as soon as it is fetched (and to find the next
// links), SpawnAsync so the crawler never queues more than it can run, CancelScope.FailAfter around each request, and
// DumpTree to look inside mid-crawl. The exit code is 0 only when the crawl kept its promises (CI runs it).
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Nursery;

var failures = 0;
void Check(bool condition, string what)
{
    if (condition) return;
    failures++;
    Console.WriteLine($"  !! expected: {what}");
}

await using var site = await Site.StartAsync(seed: 42);
using var http = new HttpClient { BaseAddress = site.BaseAddress };
await http.GetStringAsync("/warm-up");
Console.WriteLine($"Crawling {Site.Pages} pages at {site.BaseAddress} with at most 10 requests in flight");

var results = new List<PageResult>();
var outcome = "";
var clock = Stopwatch.StartNew();
using var loop = new EventLoop();
loop.Run(async () =>
{
    var seen = new HashSet<int> { 0 };
    var options = new TaskManagerOptions { MaxConcurrency = 10, FailurePolicy = FailurePolicy.CollectAll, Name = "crawler" };
    try
    {
        await using var crawler = new TaskManager(options);
        await crawler.SpawnAsync(ct => FetchAsync(0), "GET /page/0");
        await foreach (var request in crawler.WhenEach())
        {
            // One handle per page, as soon as it ends: its result, or why it failed.
            var page = request switch
            {
                ChildTask<PageResult> { Status: ChildTaskStatus.Completed } done => done.Result,
                _ => PageResult.Failed(request),
            };
            results.Add(page);
            Console.WriteLine($"  {results.Count,3}  {page}");
            if (results.Count == 100)
            {
                Console.WriteLine();
                Console.WriteLine("  --- the task tree mid-crawl (first lines) ---");
                foreach (var line in crawler.DumpTree().Split('\n').Take(14)) Console.WriteLine($"  {line}");
                Console.WriteLine();
            }
            foreach (var link in page.Links.Where(seen.Add))
            {
                // Waits while all 10 slots are taken: the crawler never has more requests queued than it can run.
                await crawler.SpawnAsync(ct => FetchAsync(link), $"GET /page/{link}");
            }
        }
    }
    catch (Exception e) when (e.Has<TimeoutException>() || e.Has<HttpRequestException>())
    {
        // The supervisor's join reports every failure, after the whole crawl: here, one timeout and one HTTP 500.
        outcome = string.Join("; ", e.Failures().Select(f => f.GetType().Name));
    }
});
clock.Stop();

// A GET under a 1.5 s deadline: FailAfter cancels the request when the deadline passes and throws TimeoutException.
async Task<PageResult> FetchAsync(int n)
{
    var started = Stopwatch.GetTimestamp();
    var body = await CancelScope.FailAfter(TimeSpan.FromSeconds(1.5), ct => http.GetStringAsync($"/page/{n}", ct));
    var links = Regex.Matches(body, "href=\"/page/(\\d+)\"").Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();
    return new PageResult(n, "200 OK", Stopwatch.GetElapsedTime(started), links);
}

// The summary.
var ok = results.Count(r => r.Status == "200 OK");
var timedOut = results.Where(r => r.Status.StartsWith("TimeoutException", StringComparison.Ordinal)).ToList();
var broken = results.Where(r => r.Status.StartsWith("HttpRequestException", StringComparison.Ordinal)).ToList();
var times = results.Where(r => r.Status == "200 OK").Select(r => r.Elapsed.TotalMilliseconds).Order().DefaultIfEmpty(0).ToList();
Console.WriteLine();
Console.WriteLine("  | pages | ok  | timed out | failed | peak in flight (server) | median | slowest ok | total   |");
Console.WriteLine("  |-------|-----|-----------|--------|-------------------------|--------|------------|---------|");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"  | {results.Count,5} | {ok,3} | {timedOut.Count,9} | {broken.Count,6} | {site.PeakInFlight,23} | {times[times.Count / 2],4:F0}ms | {times[^1],8:F0}ms | {clock.Elapsed.TotalSeconds,6:F2}s |"));
Console.WriteLine($"  the join reported: {outcome}");

Check(results.Count == Site.Pages, $"every one of the {Site.Pages} pages crawled exactly once (got {results.Count})");
Check(results.Select(r => r.Page).Distinct().Count() == results.Count, "no page twice");
Check(site.Served == Site.Pages, $"{Site.Pages} requests reached the server (got {site.Served})");
Check(ok == Site.Pages - 2, $"{Site.Pages - 2} pages fetched (got {ok})");
Check(timedOut.Select(r => r.Page).SequenceEqual([Site.SlowPage]), $"page {Site.SlowPage} timed out");
Check(broken.Select(r => r.Page).SequenceEqual([Site.FailingPage]), $"page {Site.FailingPage} failed");
Check(site.PeakInFlight is > 1 and <= 10, $"between 2 and 10 requests in flight at once (got {site.PeakInFlight})");
Check(outcome is "HttpRequestException; TimeoutException" or "TimeoutException; HttpRequestException", $"the join reports both failures (got '{outcome}')");
Console.WriteLine();
Console.WriteLine(failures == 0 ? "Crawl done: every check passed." : $"{failures} check(s) failed.");
return failures == 0 ? 0 : 1;

/// <summary>What became of one page.</summary>
internal sealed record PageResult(int Page, string Status, TimeSpan Elapsed, int[] Links)
{
    /// <summary>A request that failed: its page from its name, the failure as its status.</summary>
    public static PageResult Failed(ChildTask request) => new(
        int.Parse(request.Name!["GET /page/".Length..], CultureInfo.InvariantCulture),
        request.Exception is { } e ? $"{e.GetType().Name}: {e.Message}" : request.Status.ToString(),
        TimeSpan.Zero,
        []);

    public override string ToString() => Status == "200 OK"
        ? string.Create(CultureInfo.InvariantCulture, $"GET /page/{Page,-3}  200 OK  {Elapsed.TotalMilliseconds,4:F0} ms  {Links.Length} links")
        : $"GET /page/{Page,-3}  {Status}";
}
