using System.Diagnostics;
using Nursery.Benchmarks.Baselines;

namespace Nursery.Benchmarks.Modes;

/// <summary>
/// Where Nursery's per-child bytes go: exact bytes per child for each phase of a child's life (allocation counter
/// of the loop thread, read by probe work items queued between the phases), the split by type in each phase
/// (sampled GC AllocationTick events), and the exact size of the objects involved.
/// </summary>
public static class AllocationBreakdown
{
    /// <summary>Runs a probe as an ordinary run-queue item: it runs after everything queued before it.</summary>
    private static readonly SendOrPostCallback s_probe = static state => ((Action)state!)();

    public static void Run(Options options)
    {
        var n = options.Int("children", 200_000);
        Console.WriteLine($"Allocation breakdown, N = {n:N0} children (x64; B/child exact per phase, ns/child from one run, types from GC AllocationTick samples)");
        Scenario("spawn + EventLoop.Yield + join (TaskManager)", n, new EventLoop(), Children.YieldOnLoop, splitResumeAndJoin: true);
        Scenario("spawn + Task.Yield + join (TaskManager)", n, new EventLoop(), Children.TaskYield, splitResumeAndJoin: true);
        var delays = 0;
        Scenario("spawn + virtual EventLoop.Sleep(0-1000 ms) + join (TaskManager)", n, new EventLoop(new VirtualClock()),
            () => Children.SleepOnLoopAsync(TimeSpan.FromMilliseconds(delays++ % 1001)), splitResumeAndJoin: false);
        // Scopes (issue 8): the same child with its yield inside a scope; the excess over the first scenario is the scope's.
        Scenario("spawn + CancelScope.RunAsync(EventLoop.Yield) + join (TaskManager)", n, new EventLoop(), ScopeChildren.PlainScope, splitResumeAndJoin: false);
        Scenario("spawn + FailAfter(1 h, EventLoop.Yield) + join (TaskManager)", n, new EventLoop(), ScopeChildren.FailAfter, splitResumeAndJoin: false);
        MinimalLoopScenario(n);
        ObjectSizes();
    }

    private static void Scenario(string title, int n, EventLoop loop, Func<Task<int>> body, bool splitResumeAndJoin)
    {
        using (loop)
        {
            // Warm up on the same loop: JIT, and the run queue and timer heap grow to size once (they keep their
            // capacity between runs, as they would in a long-lived loop).
            loop.Run(() => SpawnAndJoinAsync(loop, body, n, _ => { }, splitResumeAndJoin));
            using var sampler = new AllocationSampler();
            var marks = new List<(string Phase, long Bytes, long Ticks, long Timestamp)>();
            loop.Run(() => SpawnAndJoinAsync(loop, body, n, phase => marks.Add((phase, GC.GetAllocatedBytesForCurrentThread(), DateTime.UtcNow.Ticks, Stopwatch.GetTimestamp())), splitResumeAndJoin));
            Thread.Sleep(1500); // let the listener thread deliver the last samples
            Report(title, n, marks, sampler.Samples);
        }
    }

    private static async Task<long> SpawnAndJoinAsync(EventLoop loop, Func<Task<int>> body, int n, Action<string> mark, bool splitResumeAndJoin)
    {
        var children = new ChildTask<int>[n];
        mark("begin");
        var tm = new TaskManager(loop);
        mark("new TaskManager (once)");
        for (var i = 0; i < children.Length; i++) children[i] = tm.Spawn(body);
        mark("Spawn (tm.Spawn)");
        // Queued behind every child's start: runs once each child has reached its first await.
        loop.Enqueue(new WorkItem(s_probe, (Action)(() =>
        {
            mark("start -> first await");
            if (splitResumeAndJoin)
            {
                // Queued behind every child's resumption (a Yield completes on the next turn): runs once all have ended.
                loop.Enqueue(new WorkItem(s_probe, (Action)(() => mark("resume -> end")), loop.RootContext));
            }
        }), loop.RootContext));
        await tm.DisposeAsync();
        mark(splitResumeAndJoin ? "join (DisposeAsync)" : "timers fire, resume -> end, join");
        var sum = Children.Sum(children);
        mark("read child.Result");
        _ = tm.Values;
        mark("tm.Values (ImmutableDictionary, once)");
        return sum;
    }

    /// <summary>The floor, same phases: direct calls on the minimal loop (Task.Yield), joined with WhenAll.</summary>
    private static void MinimalLoopScenario(int n)
    {
        for (var round = 0; round < 2; round++)
        {
            var marks = new List<(string Phase, long Bytes, long Ticks, long Timestamp)>();
            void Mark(string phase) => marks.Add((phase, GC.GetAllocatedBytesForCurrentThread(), DateTime.UtcNow.Ticks, Stopwatch.GetTimestamp()));
            var loop = new MinimalLoop();
            using var sampler = new AllocationSampler();
            loop.Run(async () =>
            {
                var tasks = new Task<int>[n];
                Mark("begin");
                for (var i = 0; i < tasks.Length; i++) tasks[i] = Children.TaskYield();
                Mark("call -> first await");
                var results = await Task.WhenAll(tasks);
                Mark("resume -> end, WhenAll");
                return Children.Sum(results);
            });
            if (round == 0) continue; // warm-up
            Thread.Sleep(1500);
            Report("minimal loop: async calls + Task.Yield + WhenAll (the floor)", n, marks, sampler.Samples);
        }
    }

    /// <summary>Prints each phase: bytes per child (exact), time per child (wall clock, one run: indicative), top sampled types.</summary>
    private static void Report(string title, int n, List<(string Phase, long Bytes, long Ticks, long Timestamp)> marks, IReadOnlyCollection<(long Ticks, string Type, long Bytes)> samples)
    {
        Console.WriteLine();
        Console.WriteLine(title);
        long total = 0;
        for (var i = 1; i < marks.Count; i++)
        {
            var bytes = marks[i].Bytes - marks[i - 1].Bytes;
            total += bytes;
            var once = marks[i].Phase.Contains("(once)", StringComparison.Ordinal);
            var perChild = once ? $"{bytes,9:N0} B total" : $"{(double)bytes / n,9:F1} B/child";
            var time = Stopwatch.GetElapsedTime(marks[i - 1].Timestamp, marks[i].Timestamp).TotalNanoseconds / n;
            var from = marks[i - 1].Ticks;
            var to = marks[i].Ticks;
            var types = samples.Where(s => s.Ticks >= from && s.Ticks < to)
                .GroupBy(s => s.Type)
                .Select(g => (Type: g.Key, Bytes: g.Sum(s => s.Bytes)))
                .OrderByDescending(t => t.Bytes)
                .Take(6)
                .Select(t => $"{Shorten(t.Type)} {(double)t.Bytes / n:F0}");
            Console.WriteLine($"  {marks[i].Phase,-40} {perChild} {time,7:F0} ns/child   {string.Join(", ", types)}");
        }
        var totalTime = Stopwatch.GetElapsedTime(marks[0].Timestamp, marks[^1].Timestamp).TotalNanoseconds / n;
        Console.WriteLine($"  {"total",-40} {(double)total / n,9:F1} B/child {totalTime,7:F0} ns/child");
    }

    /// <summary>Exact sizes (x64) of the objects a child's life allocates, each measured alone on the allocation counter.</summary>
    private static void ObjectSizes()
    {
        Console.WriteLine();
        Console.WriteLine("Exact sizes of single allocations (B):");
        using var loop = new EventLoop();
        loop.Run(async () =>
        {
            await using var tm = new TaskManager(loop);
            // Grow the run queue first, so that queueing the Task.Yield continuations below allocates nothing.
            for (var i = 0; i < 4096; i++) _ = Children.TaskYield();
            await Task.Yield();
            var sizes = new (string What, long Bytes)[]
            {
                ("ChildTask<int> + its ChildContext", SizeOf(() => new ChildTask<int>(tm, 0, Children.YieldOnLoop))),
                ("RootContext (a LoopSynchronizationContext)", SizeOf(() => new RootContext(loop))),
                ("TaskCompletionSource + its Task", SizeOf(() => new TaskCompletionSource())),
                ("TaskCompletionSource<int> + its Task<int>", SizeOf(() => new TaskCompletionSource<int>())),
                ("SleepOperation (what Sleep awaits)", SizeOf(() => new SleepOperation(loop, loop.RootContext))),
                ("TokenSleepOperation (a sleep with a token)", SizeOf(() => new TokenSleepOperation(loop, loop.RootContext, CancellationToken.None))),
                ("Action bound to an instance method", SizeOf(() => new Action(tm.Cancel))),
                ("async box of `await Task.Yield(); return 1;` (Task<int>)", SizeOf(() => Children.TaskYield())),
                ("CancellationTokenSource (a child's token, when asked for)", SizeOf(() => new CancellationTokenSource())),
                ("CancelScope", SizeOf(() => new CancelScope())),
                ("ScopeContext (what entering a scope makes)", SizeOf(() => new ScopeContext(Scope, loop.RootContext))),
            };
            foreach (var (what, bytes) in sizes) Console.WriteLine($"  {bytes,5}  {what}");
        });
    }

    /// <summary>A scope for the size of a ScopeContext alone (the context is made with one; it is not entered).</summary>
    private static readonly CancelScope Scope = new();

    /// <summary>Allocated bytes of one call, averaged over many (the run queue has grown already, so queueing costs nothing).</summary>
    private static long SizeOf(Func<object> make)
    {
        const int Count = 1000;
        var keep = new object[Count];
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Count; i++) keep[i] = make();
        var bytes = (GC.GetAllocatedBytesForCurrentThread() - before) / Count;
        GC.KeepAlive(keep);
        return bytes;
    }

    private static string Shorten(string type)
    {
        var name = type.Replace("System.Runtime.CompilerServices.", "", StringComparison.Ordinal)
            .Replace("System.Threading.Tasks.", "", StringComparison.Ordinal)
            .Replace("System.Collections.Generic.", "", StringComparison.Ordinal)
            .Replace("Nursery.Benchmarks.", "", StringComparison.Ordinal)
            .Replace("Nursery.", "", StringComparison.Ordinal)
            .Replace("System.", "", StringComparison.Ordinal);
        return name.Length > 60 ? name[..60] + "…" : name;
    }
}
