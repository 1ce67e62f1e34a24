// A plain synchronous program — no async Main, no await at the top level — that uses a Nursery Dispatcher to
// fetch several things concurrently from a local HTTP server it starts itself, and shows a timeout firing.
//
//   dotnet run --project samples/SyncDispatcher
//
// The exit code is 0 only when every step behaved as described (CI runs this as a smoke check).
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nursery;

var failures = 0;
void Check(bool condition, string what)
{
    if (condition) return;
    failures++;
    Console.WriteLine($"  !! expected: {what}");
}

var server = StartServer();
var baseAddress = server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
Console.WriteLine($"Local server listening on {baseAddress}");

using var http = new HttpClient { BaseAddress = new Uri(baseAddress) };
using var dispatcher = new Dispatcher(loops: 2);

// 1. Three requests at once from synchronous code. Execute blocks this thread; on the loop, the requests run
//    concurrently as children of a TaskManager, which joins them (and would cancel the rest if one failed).
//    The server answers this batch only once all three requests have arrived, as a batching API would: fetched
//    one after the other, the first request would wait in vain and fail.
Console.WriteLine();
Console.WriteLine("1. Fetch a batch of three resources concurrently:");
var clock = Stopwatch.StartNew();
var bodies = dispatcher.Execute(async ct =>
{
    ChildTask<string>[] requests;
    await using (var manager = new TaskManager())
    {
        requests = new[] { "apples", "pears", "plums" }
            .Select(name => manager.Spawn(token => http.GetStringAsync($"/batch/{name}", token)))
            .ToArray();
    }
    return requests.Select(request => request.Result).ToArray();
});
clock.Stop();
foreach (var body in bodies) Console.WriteLine($"   {body}");
Console.WriteLine($"   all three in {clock.ElapsedMilliseconds} ms, results in request order");
Check(bodies.SequenceEqual(["item apples", "item pears", "item plums"]), "the three items, in request order");

// 2. A timeout that fires: the request is cancelled, its cleanup runs, and only then does Execute throw.
Console.WriteLine();
Console.WriteLine("2. A slow request (5 s) under a 500 ms timeout:");
var cleanedUp = false;
try
{
    dispatcher.Execute(async ct =>
    {
        try
        {
            return await http.GetStringAsync("/items/slow?delayMs=5000", ct);
        }
        finally
        {
            cleanedUp = true;
            Console.WriteLine("   the request was cancelled; its finally block ran");
        }
    }, timeout: TimeSpan.FromMilliseconds(500));
    Check(false, "a TimeoutException");
}
catch (TimeoutException e)
{
    Console.WriteLine($"   TimeoutException: {e.Message}");
    Check(cleanedUp, "the cleanup ran before the TimeoutException reached the caller");
}

// 3. A failure comes back as the work's own exception, not wrapped.
Console.WriteLine();
Console.WriteLine("3. A request for something that is not there:");
try
{
    dispatcher.Execute(ct => http.GetStringAsync("/missing", ct));
    Check(false, "an HttpRequestException");
}
catch (HttpRequestException e)
{
    Console.WriteLine($"   HttpRequestException: {e.Message}");
    Check(e.StatusCode == System.Net.HttpStatusCode.NotFound, "a 404");
}

// 4. Fire and forget with a handle: ExecuteAsync returns at once; the result is picked up later.
Console.WriteLine();
Console.WriteLine("4. Start a request, do something else, then pick up the result:");
var pending = dispatcher.ExecuteAsync(ct => http.GetStringAsync("/items/figs?delayMs=100", ct));
Console.WriteLine("   (the synchronous program goes on while the request runs on the loop)");
var figs = pending.GetAwaiter().GetResult();
Console.WriteLine($"   {figs}");
Check(figs == "item figs", "the figs");

server.StopAsync().GetAwaiter().GetResult();
Console.WriteLine();
Console.WriteLine(failures == 0 ? "Done." : $"{failures} check(s) failed.");
return failures == 0 ? 0 : 1;

static WebApplication StartServer()
{
    var builder = WebApplication.CreateBuilder();
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    builder.WebHost.UseUrls("http://127.0.0.1:0"); // a free port on the loopback interface only
    var app = builder.Build();
    app.MapGet("/items/{name}", async (string name, int? delayMs, HttpContext context) =>
    {
        await Task.Delay(delayMs ?? 0, context.RequestAborted);
        return $"item {name}";
    });
    // Answers once three batch requests are in flight together (and fails after 10 s if they never are).
    var arrived = 0;
    var batchComplete = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    app.MapGet("/batch/{name}", async (string name, HttpContext context) =>
    {
        if (Interlocked.Increment(ref arrived) == 3) batchComplete.TrySetResult();
        await batchComplete.Task.WaitAsync(TimeSpan.FromSeconds(10), context.RequestAborted);
        await Task.Delay(300, context.RequestAborted);
        return $"item {name}";
    });
    app.Start();
    return app;
}
