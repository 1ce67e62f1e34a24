namespace Nursery.Benchmarks.Modes;

/// <summary>
/// One scaling chart as the report script writes it (<c>scaling.json</c>, from compare.sh's results): which shape,
/// what the axes mean, and one series of (size, cost per unit) points per implementation.
/// </summary>
/// <param name="Name">File name part: the chart is written as <c>scaling-{Name}.svg</c>.</param>
/// <param name="Title">The chart's title.</param>
/// <param name="X">What the size axis counts (children, depth, producers).</param>
/// <param name="Y">What the cost axis measures, with its unit.</param>
/// <param name="Series">One line per implementation, in legend order.</param>
/// <param name="XBase">The size axis's logarithm base: 2 for sizes that double (producers), 10 otherwise.</param>
public sealed record ChartData(string Name, string Title, string X, string Y, IReadOnlyList<ChartData.Line> Series, double XBase = 10)
{
    /// <summary>One implementation's measurements: (size, cost per unit) pairs, in size order.</summary>
    public sealed record Line(string Name, IReadOnlyList<double[]> Points);
}
