using System.Text.Json;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace Nursery.Benchmarks.Modes;

/// <summary>
/// <c>plot --data scaling.json --out DIR</c>: draws each scaling chart as a log-log SVG (size against cost per
/// unit), Nursery and every peer on one chart, with OxyPlot.Core's SVG exporter (no native library). A flat line is
/// linear growth; a line that climbs to the right is where something is super-linear.
/// </summary>
public static class PlotMode
{
    private const double Width = 960;
    private const double Height = 480;

    /// <summary>Okabe and Ito's colour-blind-safe palette, without its yellow (unreadable on white).</summary>
    private static readonly OxyColor[] s_palette =
    [
        OxyColor.FromRgb(0x00, 0x00, 0x00), OxyColor.FromRgb(0xE6, 0x9F, 0x00), OxyColor.FromRgb(0x56, 0xB4, 0xE9),
        OxyColor.FromRgb(0x00, 0x9E, 0x73), OxyColor.FromRgb(0x00, 0x72, 0xB2), OxyColor.FromRgb(0xD5, 0x5E, 0x00),
        OxyColor.FromRgb(0xCC, 0x79, 0xA7), OxyColor.FromRgb(0x99, 0x99, 0x99),
    ];

    private static readonly JsonSerializerOptions s_json = new() { PropertyNameCaseInsensitive = true };

    public static void Run(Options options)
    {
        var data = options.String("data", "artifacts/compare/scaling.json");
        var folder = options.String("out", "docs/plots");
        if (!File.Exists(data)) throw new FileNotFoundException($"No chart data at '{data}': compare.sh writes it (or pass --data FILE).", data);
        var charts = JsonSerializer.Deserialize<List<ChartData>>(File.ReadAllText(data), s_json)
            ?? throw new InvalidDataException($"'{data}' holds no charts.");
        Directory.CreateDirectory(folder);
        foreach (var chart in charts)
        {
            var path = Path.Combine(folder, $"scaling-{chart.Name}.svg");
            // Written in one piece so a failed export never leaves half a chart behind.
            // The workaround places text without dominant-baseline, which not every SVG renderer supports.
            File.WriteAllText(path, SvgExporter.ExportToString(Build(chart), Width, Height, isDocument: true, new WideTextMeasurer(), useVerticalTextAlignmentWorkaround: true));
            Console.WriteLine($"wrote {path} ({chart.Series.Count} series)");
        }
    }

    private static PlotModel Build(ChartData chart)
    {
        var model = new PlotModel { Title = chart.Title, TitleFontSize = 14, Background = OxyColors.White, DefaultFont = "Arial, Helvetica, sans-serif" };
        model.Legends.Add(new Legend { LegendPlacement = LegendPlacement.Outside, LegendPosition = LegendPosition.RightTop, LegendFontSize = 11 });
        model.Axes.Add(LogAxis(AxisPosition.Bottom, chart.X, chart.XBase));
        model.Axes.Add(LogAxis(AxisPosition.Left, chart.Y, 10));
        var markers = new[] { MarkerType.Circle, MarkerType.Square, MarkerType.Diamond, MarkerType.Triangle };
        for (var i = 0; i < chart.Series.Count; i++)
        {
            var line = chart.Series[i];
            var color = s_palette[i % s_palette.Length];
            var series = new LineSeries
            {
                Title = line.Name,
                Color = color,
                MarkerFill = color,
                MarkerType = markers[i % markers.Length],
                MarkerSize = 3.5,
                // Nursery is the subject: drawn thicker than the peers; the peers outside .NET are dashed.
                StrokeThickness = line.Name.StartsWith("Nursery", StringComparison.Ordinal) ? 3 : 1.5,
                LineStyle = line.Name.EndsWith("(Python)", StringComparison.Ordinal) || line.Name.EndsWith("(Node)", StringComparison.Ordinal)
                    ? LineStyle.Dash
                    : LineStyle.Solid,
            };
            // A log axis has no place for zero or less (a process whose working set shrank, say): such points are left out.
            foreach (var point in line.Points.Where(p => p.Length == 2 && p[0] > 0 && p[1] > 0)) series.Points.Add(new DataPoint(point[0], point[1]));
            model.Series.Add(series);
        }
        return model;
    }

    private static LogarithmicAxis LogAxis(AxisPosition position, string title, double logBase) => new()
    {
        Position = position,
        Title = title,
        Base = logBase,
        AxisTitleDistance = 14,
        MajorGridlineStyle = LineStyle.Solid,
        MajorGridlineColor = OxyColor.FromRgb(0xdd, 0xdd, 0xdd),
        MinorGridlineStyle = LineStyle.Dot,
        MinorGridlineColor = OxyColor.FromRgb(0xee, 0xee, 0xee),
    };
}
