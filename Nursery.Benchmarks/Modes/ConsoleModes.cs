using System.Diagnostics;

namespace Nursery.Benchmarks.Modes;

/// <summary>
/// Measurements BenchmarkDotNet cannot make (peak working set, latency inside an operation, CPU use while idle)
/// and the .NET side of the cross-runtime comparison, timed exactly like the Python and Node peers.
/// </summary>
public static class ConsoleModes
{
    public const string Usage = """
        Console modes (each prints a human line and a "RESULT {json}" line):
          spawn   --children N [--impl nursery|taskrun|async|minimal|taskperpost|asynccontext] [--runs 5]
                                                    spawn + yield + join
          timers  --children N [--impl nursery|taskdelay] [--runs 3]
                                                    real-clock sleeps of 0-50 ms
          fanout  --children N [--impl nursery|tokens] [--finally none|throw] [--runs 5]
                                                    time from one failure to the join rethrowing; with --finally throw
                                                    every cancelled sibling also throws from its finally block
          memory  --children N [--impl nursery|taskdelay|minimal|taskperpost|asynccontext]
                                                    N children sleeping at once: peak working set
          producer --items N [--limit 10] [--impl spawnasync|spawnasync-retain|spawnall]
                                                    N items fed through a bounded manager: peak memory (flat with SpawnAsync)
          nesting --depth D [--impl nursery|taskrun|minimal|taskperpost|asynccontext] [--levels 20000] [--runs 5]
                                                    a chain of D nested scopes, joined: cost per level
          submit  --producers P [--items 200000] [--impl floor|inbox|loopthread|taskperpost|asynccontext] [--runs 5]
                                                    N items submitted from P threads to a loop thread: cost per item
          idle    [--seconds 2]                     CPU used by a loop waiting on a real timer
          allocs  [--children N]                    where Nursery's per-child bytes go
          plot    [--data artifacts/compare/scaling.json] [--out docs/plots]
                                                    the scaling charts (log-log SVG) from compare.sh's chart data
        Anything else goes to BenchmarkDotNet (e.g. --filter '*' or --list flat).
        """;

    private static readonly string[] s_modes = ["spawn", "timers", "fanout", "memory", "producer", "nesting", "submit", "idle", "allocs", "plot"];

    public static bool IsMode(string arg) => s_modes.Contains(arg, StringComparer.OrdinalIgnoreCase);

    public static int Run(IReadOnlyList<string> args)
    {
        var options = new Options(args);
        switch (args[0].ToLowerInvariant())
        {
            case "spawn":
                Spawn(options);
                break;
            case "timers":
                Timers(options);
                break;
            case "fanout":
                FanOutLatency(options);
                break;
            case "memory":
                MemoryMode.Run(options);
                break;
            case "producer":
                ProducerMode.Run(options);
                break;
            case "nesting":
                ScalingModes.Nesting(options);
                break;
            case "submit":
                ScalingModes.Submit(options);
                break;
            case "plot":
                PlotMode.Run(options);
                break;
            case "idle":
                Idle(options);
                break;
            case "allocs":
                AllocationBreakdown.Run(options);
                break;
        }
        return 0;
    }

    private static void Spawn(Options options) => Timed(options, "spawn", "spawn + yield once + join", defaultRuns: 5, (n, impl) =>
    {
        var bench = new SpawnJoin { N = n };
        bench.Setup();
        Func<long> run = impl switch
        {
            "nursery" => bench.Nursery,
            "taskrun" => bench.TaskRunWhenAll,
            "async" => bench.AsyncCallsWhenAll,
            "minimal" => bench.MinimalLoop,
            "taskperpost" => bench.TaskPerPost,
            "asynccontext" => bench.NitoAsyncContext,
            _ => throw new ArgumentException($"Unknown --impl '{impl}' for spawn."),
        };
        return (run, bench.Cleanup);
    });

    private static void Timers(Options options) => Timed(options, "timers", "real-clock sleeps of 0-50 ms", defaultRuns: 3, (n, impl) =>
    {
        var bench = new RealTimerBenchmarks { N = n };
        bench.Setup();
        Func<long> run = impl switch
        {
            "nursery" => bench.NurserySleep,
            "taskdelay" => bench.TaskDelay,
            _ => throw new ArgumentException($"Unknown --impl '{impl}' for timers."),
        };
        return (run, bench.Cleanup);
    });

    /// <summary>Times one implementation of a shape (made by <paramref name="make"/> for N and --impl) and prints the result.</summary>
    private static void Timed(Options options, string shape, string what, int defaultRuns, Func<int, string, (Func<long> Run, Action Cleanup)> make)
    {
        var n = options.Int("children", 100_000);
        var impl = options.String("impl", "nursery");
        var (run, cleanup) = make(n, impl);
        Console.WriteLine($"{what}, {impl}:");
        var result = new Result(shape, impl, n);
        Timing.Measure(result, n, options.Int("runs", defaultRuns), run);
        cleanup();
        result.Print();
    }

    /// <summary>
    /// Failure fan-out, timed from the failure to the rethrow (the spawning is not part of it). With
    /// <c>--finally throw</c> every cancelled sibling throws from its finally block as well (shape
    /// <c>fanout-finally</c>): N + 1 failures to record and report, which exposes any per-failure cost that grows with
    /// the number of failures already recorded (issue 13 bug 7).
    /// </summary>
    private static void FanOutLatency(Options options)
    {
        var n = options.Int("children", 100_000);
        var impl = options.String("impl", "nursery");
        var runs = options.Int("runs", 5);
        var siblingsThrow = options.String("finally", "none") switch
        {
            "none" => false,
            "throw" => true,
            var other => throw new ArgumentException($"Unknown --finally '{other}' for fanout: use none or throw."),
        };
        var times = new List<double>();
        using var loop = new EventLoop(new VirtualClock());
        var phases = new List<(string Phase, long At)>();
        for (var r = 0; r <= runs; r++)
        {
            long failedAt = 0;
            phases.Clear();
            var failures = impl switch
            {
                "nursery" => FanOut.RunNursery(loop, n, t =>
                {
                    failedAt = t;
                    FanOutProbes(loop, phases, siblingsThrow);
                }, siblingsThrow),
                "tokens" => FanOut.RunTokenAndWhenAll(n, t => failedAt = t, siblingsThrow),
                _ => throw new ArgumentException($"Unknown --impl '{impl}' for fanout."),
            };
            var elapsed = Stopwatch.GetElapsedTime(failedAt).TotalMilliseconds;
            phases.Add(("join wakes up and rethrows", Stopwatch.GetTimestamp()));
            if (failures != FanOut.ExpectedFailures(n, siblingsThrow))
                throw new InvalidOperationException($"Expected {FanOut.ExpectedFailures(n, siblingsThrow)} failures out of the join, got {failures}.");
            if (r > 0) times.Add(elapsed); // run 0 warms up
            GC.Collect();
        }
        times.Sort();
        var what = siblingsThrow ? "each cancelled sibling throws in finally" : "one fails";
        Console.WriteLine($"{n:N0} sleeping siblings, {what} ({impl}): failure -> rethrow best {times[0]:F1} ms, median {times[times.Count / 2]:F1} ms");
        for (var i = 1; i < phases.Count; i++)
            Console.WriteLine($"  last run: {phases[i].Phase,-72} {Stopwatch.GetElapsedTime(phases[i - 1].At, phases[i].At).TotalMilliseconds,7:F1} ms");
        new Result(siblingsThrow ? "fanout-finally" : "fanout", impl, n)
            .Set("runs", runs)
            .Set("fanout_ms", times[0])
            .Set("fanout_ms_median", times[times.Count / 2])
            .Print();
    }

    /// <summary>
    /// Splits a Nursery fan-out into its turns with probe work items: each probe runs after everything queued before
    /// it, and queues the next one behind everything the previous phase queued. Called on the loop, just before the
    /// failing child throws.
    /// </summary>
    private static void FanOutProbes(EventLoop loop, List<(string Phase, long At)> phases, bool siblingsThrow)
    {
        string[] names =
        [
            "failing child throws; manager cancels every sibling (CancelCore)",
            "cancelled sleeps complete (each posts its child's continuation)",
            siblingsThrow
                ? "siblings resume, throw in finally, end Faulted (failures recorded)"
                : "siblings resume, throw OperationCanceledException, end Cancelled",
        ];
        phases.Add(("failure", Stopwatch.GetTimestamp()));
        var next = 0;
        SendOrPostCallback probe = null!;
        probe = _ =>
        {
            phases.Add((names[next++], Stopwatch.GetTimestamp()));
            if (next < names.Length) loop.Enqueue(new WorkItem(probe, null, loop.RootContext));
        };
        loop.Enqueue(new WorkItem(probe, null, loop.RootContext));
    }

    /// <summary>
    /// A loop whose only work is one real timer must block, not spin: the process's CPU time while it waits should
    /// be a tiny fraction of the wall time (the runtime's own background threads account for what remains).
    /// </summary>
    private static void Idle(Options options)
    {
        var seconds = options.Double("seconds", 2);
        using var loop = new EventLoop();
        loop.Run(async () => await EventLoop.Sleep(TimeSpan.FromMilliseconds(10))); // JIT and warm-up outside the window
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var start = Stopwatch.GetTimestamp();
        loop.Run(async () => await EventLoop.Sleep(TimeSpan.FromSeconds(seconds)));
        var wall = Stopwatch.GetElapsedTime(start);
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        var percent = 100 * cpu.TotalMilliseconds / wall.TotalMilliseconds;
        Console.WriteLine($"idle loop waiting {seconds} s on a real timer: {cpu.TotalMilliseconds:F1} ms CPU in {wall.TotalMilliseconds:F0} ms wall ({percent:F2} % of one core)");
        new Result("idle", "nursery", 1)
            .Set("wall_ms", wall.TotalMilliseconds)
            .Set("cpu_ms", cpu.TotalMilliseconds)
            .Set("cpu_percent", percent)
            .Print();
    }
}
