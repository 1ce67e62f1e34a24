using System.Diagnostics;

namespace Nursery.Benchmarks.Modes;

/// <summary>
/// A producer feeding N work items (each a child that sleeps 1 ms of virtual time) through a manager with
/// MaxConcurrency = k: the process's peak working set and the peak live heap (sampled with full collections while the
/// producer runs). With SpawnAsync and RetainEndedChildren = false, memory should stay flat as N grows: at most k
/// children are alive and nothing is kept for ended ones. The other implementations show what grows instead: keeping
/// every ended child's handle (the default, for Values and Children), or spawning every item at once (the queue holds
/// them all). One implementation and size per process, since the peak working set is a high-water mark.
/// </summary>
public static class ProducerMode
{
    public static void Run(Options options)
    {
        var n = options.Int("items", 1_000_000);
        var limit = options.Int("limit", 10);
        var impl = options.String("impl", "spawnasync");
        var (retain, spawnAll) = impl switch
        {
            "spawnasync" => (false, false),
            "spawnasync-retain" => (true, false),
            "spawnall" => (true, true),
            _ => throw new ArgumentException($"Unknown --impl '{impl}' for producer: use spawnasync, spawnasync-retain or spawnall."),
        };
        using var process = Process.GetCurrentProcess();
        var liveBefore = GC.GetTotalMemory(forceFullCollection: true);
        var sampleEvery = Math.Max(1, n / 32);
        long peakLive = 0;
        void Sample()
        {
            var live = GC.GetTotalMemory(forceFullCollection: true);
            if (live > peakLive) peakLive = live;
        }

        var start = Stopwatch.GetTimestamp();
        long done = 0;
        using var loop = new EventLoop(new VirtualClock());
        loop.Run(async () =>
        {
            await using var tm = new TaskManager(new TaskManagerOptions { MaxConcurrency = limit, RetainEndedChildren = retain });
            for (var i = 0; i < n; i++)
            {
                Func<CancellationToken, Task> body = async ct =>
                {
                    await EventLoop.Sleep(TimeSpan.FromMilliseconds(1));
                    done++;
                };
                if (spawnAll) tm.Spawn(body);
                else await tm.SpawnAsync(body);
                if (i % sampleEvery == 0) Sample();
            }
            Sample();
        });
        var elapsed = Stopwatch.GetElapsedTime(start);
        if (done != n) throw new InvalidOperationException($"Expected {n} items done, got {done}.");
        process.Refresh();
        var peakLiveMib = (peakLive - liveBefore) / 1048576.0;
        Console.WriteLine(
            $"{n:N0} items through MaxConcurrency = {limit} ({impl}): peak working set {process.PeakWorkingSet64 / 1048576.0:F0} MiB, " +
            $"peak live heap {Math.Max(0, peakLiveMib):F1} MiB above the start, {elapsed.TotalSeconds:F2} s");
        new Result("producer", impl, n)
            .Set("limit", limit)
            .Set("peak_live_mib", Math.Max(0, peakLiveMib))
            .Set("seconds", elapsed.TotalSeconds)
            .Print();
    }
}
