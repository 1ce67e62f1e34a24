#!/usr/bin/env bash
# Consumer test: the path a real user takes. Packs both packages (Nursery, Nursery.Extensions.Hosting) into a
# throw-away local feed, creates a fresh `dotnet new console` project outside the repository that references Nursery
# by version from that feed, builds it with warnings as errors and checks the exact output of a small program that
# uses EventLoop and TaskManager. Then checks that the package's Roslyn analyzers (analyzers/dotnet/cs) are restored
# and fire on a throw-away file. Last, a fresh `dotnet new worker` app references Nursery.Extensions.Hosting from the
# feed, runs a NurseryBackgroundService on the generic host and shuts down.
#
# Leaves nothing behind: the feed, the project and the NuGet package cache it restores into (NUGET_PACKAGES) are
# all in one temp folder, so the user's global cache never holds this build of the package and a stale package
# from an earlier run can never be picked up. Package source mapping sends "Nursery" to the local feed only.
#
# Usage: .ci/consumer-test.sh   (exit code 0 when the consumer builds and prints exactly what it should)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Fails unless the package <id> restored from the local feed holds every file named, and its README (the package
# page's, from PACKAGE.md) has no relative link, which would be broken on a package page.
check_restored() { # id file...
    local restored="$NUGET_PACKAGES/$1/$version" f
    shift
    for f in "$@"; do
        [ -f "$restored/$f" ] || { echo "!! the package restored from the local feed ($restored) has no $f"; exit 1; }
    done
    if grep -nP '\]\((?!https?://|#)' "$restored/README.md"; then
        echo "!! the package README has relative links (above), which are broken on a package page"; exit 1
    fi
}

# Fails unless the app's actual.txt is its expected.txt.
check_output() { # what
    if ! diff -u expected.txt actual.txt; then
        echo "!! $1 output differs from the expected output (diff above: - expected, + actual)"; exit 1
    fi
}

work="$(mktemp -d "${TMPDIR:-/tmp}/nursery-consumer.XXXXXX")"
trap 'rm -rf "$work"' EXIT
feed="$work/feed"
app="$work/app"

echo "-- packing Nursery and Nursery.Extensions.Hosting into $feed"
dotnet pack "$root/Nursery/Nursery.csproj" -c Release -o "$feed" -nologo -clp:NoSummary -v:q
dotnet pack "$root/Nursery.Extensions.Hosting/Nursery.Extensions.Hosting.csproj" -c Release -o "$feed" -nologo -clp:NoSummary -v:q
# The version is whatever MinVer computed from this clone's git tags while packing (0.0.0-alpha.0.N in a clone without
# tags or a shallow one), so it is read from the package pack produced: MSBuild's -getProperty:Version evaluates the
# project without running MinVer's target and would miss it.
shopt -s nullglob
packages=("$feed"/Nursery.[0-9]*.nupkg)
[ ${#packages[@]} -eq 1 ] || { echo "!! expected exactly one Nursery.<version>.nupkg from pack"; ls -l "$feed"; exit 1; }
version="$(basename "${packages[0]}" .nupkg)"
version="${version#Nursery.}"
[ -f "$feed/Nursery.$version.snupkg" ] || { echo "!! pack did not produce Nursery.$version.snupkg"; ls -l "$feed"; exit 1; }
[ -f "$feed/Nursery.Extensions.Hosting.$version.nupkg" ] && [ -f "$feed/Nursery.Extensions.Hosting.$version.snupkg" ] \
    || { echo "!! pack did not produce Nursery.Extensions.Hosting.$version.nupkg and .snupkg (same version as Nursery)"; ls -l "$feed"; exit 1; }
echo "-- packed Nursery and Nursery.Extensions.Hosting $version"

echo "-- creating a console project that references Nursery $version"
mkdir -p "$app"
cd "$app"
dotnet new console --name Consumer --output . --framework net10.0 >/dev/null
cat > nuget.config <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="local"><package pattern="Nursery" /><package pattern="Nursery.*" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
XML
export NUGET_PACKAGES="$work/packages"
dotnet add package Nursery --version "[$version]" >/dev/null

cat > Program.cs <<'CS'
using Nursery;

var loop = new EventLoop(new VirtualClock());
void Log(string what) => Console.WriteLine($"t={loop.Now.TotalSeconds:0}s {what}");

var total = loop.Run(async () =>
{
    ChildTask<int> slow, fast;
    var tm = new TaskManager(loop);
    await using (tm)
    {
        slow = tm.Spawn(async ct => { await EventLoop.Sleep(TimeSpan.FromSeconds(2), ct); Log("slow done"); return 2; });
        fast = tm.Spawn(async () => { await EventLoop.Sleep(TimeSpan.FromSeconds(1)); Log("fast done"); return 1; });
        tm.Schedule(() => { Log("scheduled child ran"); return Task.CompletedTask; }, TimeSpan.FromSeconds(3));
    }
    Log($"joined, Values = {string.Join(", ", tm.Values.OrderBy(v => v.Key.Id).Select(v => v.Value ?? "null"))}");

    try
    {
        await using var failing = new TaskManager(loop);
        failing.Spawn(async ct =>
        {
            try { await EventLoop.Sleep(TimeSpan.FromHours(1), ct); }
            catch (OperationCanceledException) { Log("sibling cancelled"); throw; }
        });
        failing.Spawn(async () => { await EventLoop.Sleep(TimeSpan.FromSeconds(1)); throw new InvalidOperationException("service down"); });
    }
    catch (InvalidOperationException e)
    {
        Log($"caught {e.GetType().Name}: {e.Message}");
    }
    return slow.Result + fast.Result;
});
Console.WriteLine($"total = {total}");
CS

cat > expected.txt <<'TXT'
t=1s fast done
t=2s slow done
t=3s scheduled child ran
t=3s joined, Values = 2, 1, null
t=4s sibling cancelled
t=4s caught InvalidOperationException: service down
total = 3
TXT

echo "-- building and running the consumer (warnings as errors)"
# NuGetAudit off: the vulnerability audit downloads data from nuget.org that says nothing about this package, and
# would make the test fail offline (its warning is an error here). Nothing else needs nuget.org.
dotnet build -c Release -nologo -clp:NoSummary -v:q -p:TreatWarningsAsErrors=true -p:NuGetAudit=false
dotnet bin/Release/net10.0/Consumer.dll > actual.txt

check_restored nursery lib/net10.0/Nursery.dll lib/net10.0/Nursery.xml README.md \
    analyzers/dotnet/cs/Nursery.Analyzers.dll analyzers/dotnet/cs/Nursery.Analyzers.CodeFixes.dll
check_output consumer
echo "-- consumer output matches ($(wc -l < expected.txt) lines)"

echo "-- the package's analyzers fire on a throw-away file with one mistake per rule"
# The clean build above already proved they report nothing on correct code (warnings are errors there). Here the
# NURSERY warnings stay warnings, everything else is still an error, and each must be reported on its line.
cat > Misuse.cs <<'CS'
using Nursery;

static class Misuse
{
    public static async Task RunAsync(EventLoop loop, CancellationToken token)
    {
        var leaked = new TaskManager(loop);                                                      // line 7: NURSERY004
        leaked.Spawn(() => EventLoop.Yield());
        await using var tm = new TaskManager(loop);
        using var registration = token.Register(tm.Cancel);                                      // line 10: NURSERY005
        tm.Spawn(async ct =>
        {
            try { await EventLoop.Sleep(TimeSpan.FromSeconds(1), ct); } catch (Exception) { }     // line 13: NURSERY001
            await Task.Delay(1, ct).ConfigureAwait(false);                                       // line 14: NURSERY002
            Task.Delay(1, ct).Wait();                                                            // line 15: NURSERY003
        });
    }
}
CS
dotnet build -c Release -nologo -clp:NoSummary -v:q -p:TreatWarningsAsErrors=true -p:NuGetAudit=false \
    -p:WarningsNotAsErrors="NURSERY001%3BNURSERY002%3BNURSERY003%3BNURSERY004%3BNURSERY005" > analyzers.log 2>&1 \
    || { cat analyzers.log; echo "!! the consumer with Misuse.cs did not build"; exit 1; }
for expected in "(13,.*NURSERY001" "(14,.*NURSERY002" "(15,.*NURSERY003" "(7,.*NURSERY004" "(10,.*NURSERY005"; do
    grep -q "Misuse.cs$expected" analyzers.log || { cat analyzers.log; echo "!! no warning matching 'Misuse.cs$expected'"; exit 1; }
done
grep -o "Misuse.cs([0-9,]*): warning NURSERY[0-9]*" analyzers.log | sort -u | sed 's/^/   /'
rm Misuse.cs
console_lines=$(wc -l < expected.txt)

echo "-- creating a worker project (dotnet new worker) that references Nursery.Extensions.Hosting $version"
worker="$work/worker"
mkdir -p "$worker"
cp "$app/nuget.config" "$worker/"
cd "$worker"
dotnet new worker --name ConsumerWorker --output . --framework net10.0 >/dev/null
dotnet add package Nursery.Extensions.Hosting --version "[$version]" >/dev/null
rm Worker.cs

cat > Program.cs <<'CS'
using Nursery;
using Nursery.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.ClearProviders();   // only the app's own lines, so the output can be compared exactly
builder.Services.AddNurseryBackgroundService<Ticker>();
using var host = builder.Build();
var loop = host.Services.GetRequiredService<ILoopHost>();   // before RunAsync, which disposes the host when it returns
await host.RunAsync();
Console.WriteLine($"host stopped; loop running: {loop.IsRunning}");

sealed class Ticker(IHostApplicationLifetime lifetime) : NurseryBackgroundService
{
    protected override async Task ExecuteAsync(TaskManager tm, CancellationToken stoppingToken)
    {
        tm.Spawn(async () =>
        {
            try { await Task.Delay(Timeout.Infinite, stoppingToken); }
            finally { Console.WriteLine("waiter: its finally block ran"); }
        }, "waiter");
        tm.Spawn(async ct =>
        {
            for (var i = 1; i <= 3; i++)
            {
                await EventLoop.Sleep(TimeSpan.FromMilliseconds(50), ct);
                Console.WriteLine($"tick {i} on the loop thread: {EventLoop.Current is not null}");
            }
            Console.WriteLine("ticker: stopping the application");
            lifetime.StopApplication();     // what SIGTERM does
        }, "ticker");
    }
}
CS

cat > expected.txt <<'TXT'
tick 1 on the loop thread: True
tick 2 on the loop thread: True
tick 3 on the loop thread: True
ticker: stopping the application
waiter: its finally block ran
host stopped; loop running: False
TXT

echo "-- building and running the worker (warnings as errors, the package's analyzers on)"
dotnet build -c Release -nologo -clp:NoSummary -v:q -p:TreatWarningsAsErrors=true -p:NuGetAudit=false
timeout 60 dotnet bin/Release/net10.0/ConsumerWorker.dll > actual.txt

check_restored nursery.extensions.hosting lib/net10.0/Nursery.Extensions.Hosting.dll lib/net10.0/Nursery.Extensions.Hosting.xml README.md
check_output worker
echo "-- consumer output matches ($console_lines lines); the package's 5 analyzers fire; the worker app shuts down cleanly ($(wc -l < expected.txt) lines)"
