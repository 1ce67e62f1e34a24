// QuickStart: the tour a newcomer runs first (dotnet run --project samples/QuickStart).
// It runs on a VirtualClock, so the "seconds" below pass instantly and the output is the same on every run.
using Nursery;

var loop = new EventLoop(new VirtualClock());
void Say(string what) => Console.WriteLine($"[t={loop.Now.TotalSeconds,4:0.0}s] {what}");

loop.Run(async () =>
{
    Say("1. Children run concurrently; the scope joins them all and keeps every result.");
    var tm = new TaskManager(loop);
    await using (tm)
    {
        tm.Spawn(async () => { await EventLoop.Sleep(TimeSpan.FromSeconds(2)); Say("   download finished"); return "page.html"; });
        tm.Spawn(async () => { await EventLoop.Sleep(TimeSpan.FromSeconds(1)); Say("   lookup finished"); return 42; });
        tm.Schedule(async () => Say("   scheduled child starts 3 s after it was scheduled"), TimeSpan.FromSeconds(3));
        Say("   spawned two children and scheduled a third; now joining");
    }
    Say($"   joined: Values = {{ {string.Join(", ", tm.Values.OrderBy(v => v.Key.Id).Select(v => v.Value ?? "null"))} }}");

    Say("2. One failure cancels the siblings, then comes out of the scope.");
    try
    {
        await using var failing = new TaskManager(loop);
        failing.Spawn(async ct =>
        {
            try { await EventLoop.Sleep(TimeSpan.FromMinutes(10), ct); }
            catch (OperationCanceledException) { Say("   slow sibling was cancelled (its finally blocks run)"); throw; }
        });
        failing.Spawn(async () =>
        {
            await EventLoop.Sleep(TimeSpan.FromSeconds(1));
            Say("   flaky child throws");
            throw new InvalidOperationException("the flaky service is down");
        });
    }
    catch (InvalidOperationException e)
    {
        Say($"   caught outside the scope: {e.Message}");
    }
    Say("Done: no child outlived its scope, nothing was lost, and 10 virtual minutes were never waited for.");
});
