using BenchmarkDotNet.Running;
using Nursery.Benchmarks.Modes;

namespace Nursery.Benchmarks;

/// <summary>
/// Entry point. A console mode (spawn, timers, fanout, memory, nesting, submit, idle, allocs, plot) runs that; anything else
/// goes to BenchmarkDotNet. <c>--tiny</c> anywhere selects the smallest sizes (the CI smoke run).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var rest = args.Where(a => a != "--tiny").ToArray();
        if (rest.Length != args.Length) Environment.SetEnvironmentVariable(BenchSizes.Variable, "tiny");
        if (rest.Length > 0 && ConsoleModes.IsMode(rest[0])) return ConsoleModes.Run(rest);
        if (rest.Length == 0) Console.WriteLine(ConsoleModes.Usage);
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest);
        // A benchmark that threw shows up as a failed report: make that a failing exit code (CI's smoke run).
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
