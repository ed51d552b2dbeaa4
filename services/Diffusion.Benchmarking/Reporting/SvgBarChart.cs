using System.Globalization;
using System.Security;
using System.Text;

namespace Diffusion.Benchmarking.Reporting;

/// <summary>A horizontal bar chart of median times (one bar per result, min..max as a whisker), as SVG text.</summary>
public static class SvgBarChart
{
    private const int Width = 860;
    private const int LabelWidth = 330;
    private const int ValueWidth = 110;
    private const int BarHeight = 22;
    private const int RowGap = 10;
    private const int Top = 44;
    private static readonly string[] Palette = ["#4C78A8", "#F58518", "#54A24B", "#B279A2", "#E45756", "#72B7B2"];

    /// <summary>Renders <paramref name="results"/> (at least one) under <paramref name="title"/>. Bars of the
    /// same implementation share a colour; the scale is linear from 0 to the largest max_ms.</summary>
    public static string Render(string title, IReadOnlyList<BenchmarkResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.Count == 0)
            throw new ArgumentException("nothing to chart", nameof(results));
        var colours = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var r in results)
            colours.TryAdd(r.Implementation, Palette[colours.Count % Palette.Length]);

        double scaleMax = results.Max(r => r.MaxMs);
        if (scaleMax <= 0)
            scaleMax = 1;
        int plotWidth = Width - LabelWidth - ValueWidth;
        int height = Top + results.Count * (BarHeight + RowGap) + 16;
        var svg = new StringBuilder();
        svg.Append(Inv($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" font-family=\"sans-serif\" font-size=\"13\">\n"));
        svg.Append(Inv($"<rect width=\"{Width}\" height=\"{height}\" fill=\"white\"/>\n"));
        svg.Append(Inv($"<text x=\"10\" y=\"24\" font-size=\"16\" font-weight=\"bold\">{Escape(title)}</text>\n"));
        for (int i = 0; i < results.Count; i++)
        {
            var r = results[i];
            double y = Top + i * (BarHeight + RowGap);
            double barWidth = r.MedianMs / scaleMax * plotWidth;
            double minX = LabelWidth + r.MinMs / scaleMax * plotWidth;
            double maxX = LabelWidth + r.MaxMs / scaleMax * plotWidth;
            double midY = y + BarHeight / 2.0;
            svg.Append(Inv($"<text x=\"{LabelWidth - 8}\" y=\"{midY + 4:F1}\" text-anchor=\"end\">{Escape(r.Label)}</text>\n"));
            svg.Append(Inv($"<rect x=\"{LabelWidth}\" y=\"{y:F1}\" width=\"{barWidth:F1}\" height=\"{BarHeight}\" fill=\"{colours[r.Implementation]}\"><title>{Escape(r.Label)}: median {r.MedianMs:F1} ms</title></rect>\n"));
            svg.Append(Inv($"<line x1=\"{minX:F1}\" y1=\"{midY:F1}\" x2=\"{maxX:F1}\" y2=\"{midY:F1}\" stroke=\"black\" stroke-width=\"1.5\"/>\n"));
            svg.Append(Inv($"<text x=\"{LabelWidth + plotWidth + 6}\" y=\"{midY + 4:F1}\">{FormatMs(r.MedianMs)}</text>\n"));
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>Writes the chart to <paramref name="path"/>, creating its folder.</summary>
    public static void Write(string path, string title, IReadOnlyList<BenchmarkResult> results)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
            Directory.CreateDirectory(folder);
        File.WriteAllText(path, Render(title, results));
    }

    internal static string FormatMs(double ms) =>
        ms >= 1000 ? Inv($"{ms / 1000:F2} s") : Inv($"{ms:F1} ms");

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
