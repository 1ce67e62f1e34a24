// A worker service on the .NET generic host whose background service is a nursery: a producer, three workers and a
// heartbeat run as children on the host's event loop. Ctrl+C (or SIGTERM) stops the host: every child is cancelled,
// its finally block runs and logs, the service ends, and then the loop stops — all in the shutdown log.
//
//   dotnet run --project samples/Worker                    (runs until Ctrl+C)
//   dotnet run --project samples/Worker -- --run-for 2     (stops itself after 2 s, as SIGTERM would: CI runs this)
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Worker;

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.AddSimpleConsole(options =>
{
    options.SingleLine = true;
    options.TimestampFormat = "HH:mm:ss.fff ";
});
builder.Services.AddNurseryBackgroundService<OrderPipeline>();

// --run-for <seconds> arrives as the configuration key "run-for" (the host reads the command line).
TimeSpan? runFor = null;
if (builder.Configuration.GetValue<string>("run-for") is { } text)
{
    if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds <= 0)
    {
        Console.Error.WriteLine($"--run-for expects a positive number of seconds, such as --run-for 2 (got \"{text}\").");
        return 2;
    }
    runFor = TimeSpan.FromSeconds(seconds);
}

using var host = builder.Build();
using var stopAfter = new CancellationTokenSource();
// Counted from the moment the application has started, however long the start took. Cancelling the token RunAsync
// watches stops the host exactly as SIGTERM does (IHostApplicationLifetime.StopApplication).
if (runFor is { } duration)
{
    host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() => stopAfter.CancelAfter(duration));
}
await host.RunAsync(stopAfter.Token);
return 0;
