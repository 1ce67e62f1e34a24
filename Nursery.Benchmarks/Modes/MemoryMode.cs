using System.Diagnostics;
using Nito.AsyncEx;
using Nursery.Benchmarks.Baselines;

namespace Nursery.Benchmarks.Modes;

/// <summary>
/// N children sleeping at the same time (1M by default): the process's peak working set, the live heap per child
/// while they all sleep, and the bytes allocated per child. One implementation per process, since the peak
/// working set is a high-water mark of the whole process.
/// </summary>
public static class MemoryMode
{
    /// <summary>Virtual sleeps: long enough that every child is still asleep when the snapshot is taken.</summary>
    private static readonly Func<Task<int>> s_sleepOneSecond = () => Children.SleepOnLoopAsync(TimeSpan.FromSeconds(1));

    public static void Run(Options options)
    {
        var n = options.Int("children", 1_000_000);
        var impl = options.String("impl", "nursery");
        using var process = Process.GetCurrentProcess();
        var liveBefore = GC.GetTotalMemory(forceFullCollection: true);
        process.Refresh();
        var workingSetBefore = process.WorkingSet64;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        Snapshot peak = default;
        var start = Stopwatch.GetTimestamp();
        var sum = impl switch
        {
            "nursery" => Nursery(n, s => peak = s),
            "taskdelay" => DelayUnderContext(main => main().GetAwaiter().GetResult(), n, s => peak = s),
            "minimal" => Minimal(n, s => peak = s),
            "taskperpost" => DelayUnderContext(TaskPerPost, n, s => peak = s),
            "asynccontext" => DelayUnderContext(AsyncContext.Run, n, s => peak = s),
            _ => throw new ArgumentException($"Unknown --impl '{impl}' for memory: use nursery, taskdelay, minimal, taskperpost or asynccontext."),
        };
        var elapsed = Stopwatch.GetElapsedTime(start);
        if (sum != n) throw new InvalidOperationException($"Expected {n} results, got {sum}.");
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        process.Refresh();
        var liveBytes = (double)(peak.LiveBytes - liveBefore) / n;
        Console.WriteLine(
            $"{n:N0} children sleeping at once ({impl}): peak working set {process.PeakWorkingSet64 / 1048576.0:F0} MiB " +
            $"(working set {workingSetBefore / 1048576.0:F0} MiB before, {peak.WorkingSet / 1048576.0:F0} MiB with all asleep), " +
            $"live heap {liveBytes:F0} B/child, allocated {(double)allocated / n:F0} B/child, {elapsed.TotalSeconds:F2} s");
        new Result("memory", impl, n)
            .Set("live_b_per_child", liveBytes)
            .Set("alloc_b_per_child", (double)allocated / n)
            .Set("rss_b_per_child", (double)(peak.WorkingSet - workingSetBefore) / n)
            .Set("ws_before_mib", workingSetBefore / 1048576.0)
            .Set("ws_all_asleep_mib", peak.WorkingSet / 1048576.0)
            .Set("seconds", elapsed.TotalSeconds)
            .Print();
    }

    private static long Nursery(int n, Action<Snapshot> atPeak)
    {
        using var loop = new EventLoop(new VirtualClock());
        return loop.Run(async () =>
        {
            var children = new ChildTask<int>[n];
            await using (var tm = new TaskManager(loop))
            {
                for (var i = 0; i < children.Length; i++) children[i] = tm.Spawn(s_sleepOneSecond);
                // Yield's turn comes after every child's start: all of them are asleep in the timer heap now.
                await EventLoop.Yield();
                atPeak(Snapshot.Take());
            }
            return Children.Sum(children);
        });
    }

    /// <summary>
    /// Children that sleep with Task.Delay: real timers, long enough that creating all of them finishes before the
    /// first fires (3 s for a million, at least half a second). <paramref name="run"/> runs main to its end: on the
    /// thread pool, or under a single-threaded context (which has no timers of its own, so each delay's continuation
    /// is posted back to it).
    /// </summary>
    private static long DelayUnderContext(Func<Func<Task<long>>, long> run, int n, Action<Snapshot> atPeak) => run(async () =>
    {
        var delay = TimeSpan.FromMilliseconds(Math.Max(500, n * 0.003));
        var tasks = new Task<int>[n];
        for (var i = 0; i < tasks.Length; i++) tasks[i] = Children.DelayAsync(delay);
        atPeak(Snapshot.Take());
        return Children.Sum(await Task.WhenAll(tasks));
    });

    private static long TaskPerPost(Func<Task<long>> main)
    {
        using var context = new TaskPerPostContext();
        return context.Run(main);
    }

    private static long Minimal(int n, Action<Snapshot> atPeak)
    {
        var loop = new MinimalLoop();
        return loop.Run(async () =>
        {
            var tasks = new Task<int>[n];
            for (var i = 0; i < tasks.Length; i++) tasks[i] = SleepAsync(loop);
            atPeak(Snapshot.Take());
            return Children.Sum(await Task.WhenAll(tasks));
        });

        static async Task<int> SleepAsync(MinimalLoop loop)
        {
            await loop.Sleep(1000);
            return 1;
        }
    }

    /// <summary>Live heap (after a full collection) and working set at one moment.</summary>
    private readonly record struct Snapshot(long LiveBytes, long WorkingSet)
    {
        public static Snapshot Take()
        {
            var live = GC.GetTotalMemory(forceFullCollection: true);
            using var process = Process.GetCurrentProcess();
            return new Snapshot(live, process.WorkingSet64);
        }
    }
}
