using OxyPlot;

namespace Nursery.Benchmarks.Modes;

/// <summary>
/// Measures text for the SVG exporter with a margin: OxyPlot.Core measures with the PDF fonts' (Helvetica's) metrics,
/// while a viewer without Arial draws the same text in a wider fallback font (DejaVu Sans on a bare Linux), which
/// would overflow the legend and overlap the axis titles. It only measures; the exporter draws.
/// </summary>
internal sealed class WideTextMeasurer : RenderContextBase
{
    /// <summary>
    /// How much wider than the PDF measurement the text is taken to be: DejaVu Sans needed about 1.5 (checked by eye
    /// with rsvg-convert); in a viewer with Arial the legend just has room to spare.
    /// </summary>
    private const double WidthFactor = 1.6;

    /// <summary>Line height margin, so legend lines do not touch.</summary>
    private const double HeightFactor = 1.3;

    /// <summary>The exact Helvetica measurements this one widens.</summary>
    private readonly PdfRenderContext _helvetica = new(1, 1, OxyColors.White);

    public override OxySize MeasureText(string text, string fontFamily, double fontSize, double fontWeight)
    {
        var size = _helvetica.MeasureText(text, fontFamily, fontSize, fontWeight);
        return new OxySize(size.Width * WidthFactor, size.Height * HeightFactor);
    }

    // Never called: the exporter only asks this context to measure.
    public override int ClipCount => 0;

    public override void DrawLine(IList<ScreenPoint> points, OxyColor stroke, double thickness, EdgeRenderingMode edgeRenderingMode, double[] dashArray, LineJoin lineJoin) =>
        throw OnlyMeasures();

    public override void DrawPolygon(IList<ScreenPoint> points, OxyColor fill, OxyColor stroke, double thickness, EdgeRenderingMode edgeRenderingMode, double[] dashArray, LineJoin lineJoin) =>
        throw OnlyMeasures();

    public override void DrawText(ScreenPoint p, string text, OxyColor fill, string fontFamily, double fontSize, double fontWeight, double rotation, HorizontalAlignment halign, VerticalAlignment valign, OxySize? maxSize) =>
        throw OnlyMeasures();

    public override void PushClip(OxyRect clippingRectangle) => throw OnlyMeasures();

    public override void PopClip() => throw OnlyMeasures();

    private static NotSupportedException OnlyMeasures() => new("This render context only measures text for the SVG exporter.");
}
