namespace Nursery.Benchmarks.Modes;

/// <summary>
/// The console modes of the scaling table that the other modes do not already cover (spawn and memory run at each
/// size as they are): nested scopes by depth, and cross-thread submission by number of producers. Each process
/// measures one implementation at one size, like the other modes, and prints the cost per unit (level or item).
/// </summary>
public static class ScalingModes
{
    /// <summary><c>nesting --depth D --impl X [--levels L] [--runs R]</c>: ns per level of a chain D scopes deep.</summary>
    public static void Nesting(Options options)
    {
        var depth = options.Int("depth", 100);
        var impl = options.String("impl", "nursery");
        var repetitions = Benchmarks.Nesting.Repetitions(depth, options.Int("levels", 20_000));
        var (run, cleanup) = Benchmarks.Nesting.Create(impl, depth, repetitions);
        Console.WriteLine($"nested scopes, depth {depth:N0}, {repetitions:N0} chains per run, {impl}:");
        var result = new Result("nesting", impl, depth).Set("repetitions", repetitions);
        Timing.Measure(result, (long)depth * repetitions, options.Int("runs", 5), Checked(run, repetitions), unit: "level");
        cleanup();
        result.Print();
    }

    /// <summary><c>submit --producers P --items N --impl X [--runs R]</c>: ns per item, N items in total from P threads.</summary>
    public static void Submit(Options options)
    {
        var producers = options.Int("producers", 1);
        var items = options.Int("items", 200_000);
        var impl = options.String("impl", "loopthread");
        using var target = Submission.CreateTarget(impl);
        Console.WriteLine($"cross-thread submit, {producers} producer(s), {impl}:");
        var result = new Result("submit", impl, items).Set("producers", producers);
        Timing.Measure(result, items, options.Int("runs", 5), Checked(() => Submission.Drive(target, items, producers), items), unit: "item");
        result.Print();
    }

    /// <summary>A run whose results do not add up lost work: it must fail, not pass for a fast run.</summary>
    private static Func<long> Checked(Func<long> run, long expected) => () =>
    {
        var sum = run();
        return sum == expected ? sum : throw new InvalidOperationException($"Expected the results to add up to {expected}, got {sum}.");
    };
}
