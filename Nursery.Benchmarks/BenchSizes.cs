using System.Globalization;

namespace Nursery.Benchmarks;

/// <summary>
/// The sizes ([ParamsSource]) every benchmark runs at, chosen by the NURSERY_BENCH_SIZE environment variable:
/// unset for the full sizes; <c>tiny</c> (or <c>--tiny</c> on the command line) for one small size each, so CI can
/// prove the suite compiles and runs in seconds without timing anything; or a number to run every benchmark at
/// that one size (a quick look at, say, 10000 only).
/// </summary>
public static class BenchSizes
{
    /// <summary>The environment variable that selects the sizes; inherited by BenchmarkDotNet's child processes.</summary>
    public const string Variable = "NURSERY_BENCH_SIZE";

    /// <summary>The full sizes, <paramref name="tiny"/> alone in a smoke run, or the one size asked for.</summary>
    public static IEnumerable<int> Pick(int tiny, params int[] full)
    {
        var chosen = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(chosen)) return full;
        if (string.Equals(chosen, "tiny", StringComparison.OrdinalIgnoreCase)) return [tiny];
        return int.TryParse(chosen.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out var size) && size > 0
            ? [size]
            : throw new InvalidOperationException($"{Variable} must be unset, 'tiny' or a positive number, not '{chosen}'.");
    }
}
