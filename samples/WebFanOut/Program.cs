// An ASP.NET Core minimal API whose requests fan out on Nursery's event loop: GET /quote/{item} asks three suppliers
// at once, as children of a nursery, and answers with the best offer. The nursery is given the request's
// RequestAborted token, so a client that goes away cancels every supplier call, and their cleanup runs, at once.
//
//   dotnet run --project samples/WebFanOut                  (serves on http://localhost:5000 until Ctrl+C)
//   curl http://localhost:5000/quote/tea
//   dotnet run --project samples/WebFanOut -- --self-test   (free local port, one completed and one aborted request;
//                                                             exit code 0 only when both behaved: CI runs this)
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Nursery;
using WebFanOut;

var selfTest = args.Contains("--self-test");
var builder = WebApplication.CreateBuilder(args.Where(a => a != "--self-test").ToArray());
builder.Services.AddNurseryLoop();          // one event loop for the app, stopped after the server has drained
builder.Services.AddSingleton<FanOutLog>();
if (selfTest)
{
    builder.WebHost.UseUrls("http://127.0.0.1:0");
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
}

var app = builder.Build();

// The handler runs on a thread-pool thread; the fan-out runs on the loop. The token goes to both: to Submit (work not
// started yet never starts) and to the nursery (which is cancelled when it fires, from whatever thread).
app.MapGet("/quote/{item}", (string item, string? request, ILoopHost loop, FanOutLog log, HttpContext http) =>
    loop.Submit(_ => Quotes.BestOfferAsync(item, request ?? "anonymous", log, http.RequestAborted), http.RequestAborted));

if (selfTest) return await SelfTest.RunAsync(app);
await app.RunAsync();
return 0;
