// HappyEyeballs: race connections to several addresses the way browsers do (RFC 8305), with a TaskManager.
//   dotnet run --project samples/HappyEyeballs
// It starts its own servers on 127.0.0.1 (one refusing, some slow), races them under an overall deadline
// (CancelScope.FailAfter), prints a timeline, shows the task tree in the
// middle of the race, and writes a trace you can open in https://ui.perfetto.dev or chrome://tracing: to the path given
// as the first argument, else to artifacts/happy-eyeballs.trace.json (git-ignored, so a run leaves the tree clean).
using System.Globalization;
using HappyEyeballs;
using Nursery;

var tracePath = Path.GetFullPath(args.Length > 0 ? args[0] : Path.Combine("artifacts", "happy-eyeballs.trace.json"));
Directory.CreateDirectory(Path.GetDirectoryName(tracePath)!);
using var loop = new EventLoop(); // real time: these are real sockets
var raceStart = TimeSpan.Zero;
void Log(string line) => Console.WriteLine($"[{(loop.Now - raceStart).TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture),5} ms] {line}");

await using var servers = new FakeServers();
var endpoints = new[]
{
    FakeServers.Refusing(),                              // nothing listens: refused at once
    servers.Slow("slow-host", TimeSpan.FromSeconds(2)),  // answers, but too slowly
    servers.Slow("good-host", TimeSpan.FromMilliseconds(150)),
    servers.Slow("spare-host", TimeSpan.FromMilliseconds(100)),
};

var trace = loop.StartTrace();
var connection = loop.Run(async () =>
{
    raceStart = loop.Now;
    // Attempts 250 ms apart; the whole race may take 5 s (CancelScope.FailAfter), far more than it needs here.
    var racer = new Racer(stagger: TimeSpan.FromMilliseconds(250), overallDeadline: TimeSpan.FromSeconds(5), Log);
    var race = racer.ConnectAsync(endpoints);
    await EventLoop.Sleep(TimeSpan.FromMilliseconds(300));
    Log("the task tree in the middle of the race (its times are on the loop clock, which started before the race):");
    Console.WriteLine(Indent(loop.DumpTree()));
    return await race;
});
trace.Stop();
trace.WriteChromeTrace(tracePath);

Log($"winner: {connection.Endpoint} said \"{connection.Greeting}\"");
Log($"trace with {trace.Events.Count} events written to {tracePath}");
connection.Dispose();

static string Indent(string text) => string.Join('\n', text.TrimEnd('\n').Split('\n').Select(line => "           " + line));
