using System.Text.Json;
using System.Xml.Linq;
using Diffusion.Benchmarking.Machine;
using Diffusion.Benchmarking.Reporting;

namespace Diffusion.Benchmarking.Tests;

public class ReportingTests
{
    private static readonly MachineDescription Machine = new(
        "Test CPU", 2, 24576, 2, "1.13.0", ["BLAS: OpenBLAS"], ".NET 10.0.0", "Debian", [0.5, 1.0, 1.5], null);

    private static BenchmarkResult Result(string impl, string label, params double[] times) =>
        BenchmarkResult.FromTimes("unet", impl, label, times, warmup: 1, peakRssMb: 3500,
            new Dictionary<string, string> { ["batch"] = "2" });

    private static BenchmarkReport Report() => new()
    {
        Command = "bench unet --random-weights sd15",
        StartedUtc = new DateTimeOffset(2026, 11, 22, 20, 0, 0, TimeSpan.Zero),
        Machine = Machine,
        Results = [Result("diffusion-torch", "engine", 10, 12, 11), Result("pytorch-default", "pytorch <default>", 20, 22, 21)],
        Comparisons = [Comparison.Of("engine / default", Result("a", "engine", 11), Result("b", "pytorch", 22), goal: 0.6)],
    };

    [Fact]
    public void Serialize_Report_HasRequiredSnakeCaseFields()
    {
        using var doc = JsonDocument.Parse(ReportJson.Serialize(Report()));
        var root = doc.RootElement;

        var first = root.GetProperty("results")[0];
        Assert.Equal(11.0, first.GetProperty("median_ms").GetDouble());
        Assert.Equal(10.0, first.GetProperty("min_ms").GetDouble());
        Assert.Equal(12.0, first.GetProperty("max_ms").GetDouble());
        Assert.Equal(3, first.GetProperty("iters").GetInt32());
        Assert.Equal(3500.0, first.GetProperty("peak_rss_mb").GetDouble());
        Assert.Equal(3, first.GetProperty("times_ms").GetArrayLength());
        Assert.Equal("2", first.GetProperty("settings").GetProperty("batch").GetString());
        Assert.False(first.TryGetProperty("statistics", out _));
        Assert.Equal("Test CPU", root.GetProperty("machine").GetProperty("cpu_model").GetString());
        Assert.Equal(2, root.GetProperty("machine").GetProperty("logical_cores").GetInt32());
        Assert.Equal(3, root.GetProperty("machine").GetProperty("load_average").GetArrayLength());
        var comparison = root.GetProperty("comparisons")[0];
        Assert.Equal(0.5, comparison.GetProperty("ratio").GetDouble(), 10);
        Assert.True(comparison.GetProperty("goal_met").GetBoolean());
    }

    [Fact]
    public void ComparisonOf_SlowerThanGoal_NotMet()
    {
        var c = Comparison.Of("x", Result("a", "a", 30), Result("b", "b", 20), goal: 1.0);

        Assert.Equal(1.5, c.Ratio, 10);
        Assert.False(c.GoalMet);
    }

    [Fact]
    public void Render_TwoResults_WellFormedSvgWithOneBarEach()
    {
        var svg = SvgBarChart.Render("UNet <fp32> & friends", Report().Results);

        var doc = XDocument.Parse(svg);
        XNamespace ns = "http://www.w3.org/2000/svg";
        var bars = doc.Descendants(ns + "rect").Where(r => r.Element(ns + "title") is not null).ToArray();
        Assert.Equal(2, bars.Length);
        double engine = double.Parse(bars[0].Attribute("width")!.Value, System.Globalization.CultureInfo.InvariantCulture);
        double pytorch = double.Parse(bars[1].Attribute("width")!.Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(11.0 / 21.0, engine / pytorch, 2);
        Assert.Contains(doc.Descendants(ns + "text"), t => t.Value == "UNet <fp32> & friends");
        Assert.Contains(doc.Descendants(ns + "text"), t => t.Value == "pytorch <default>");
    }

    [Fact]
    public void Render_Empty_Throws() =>
        Assert.Throws<ArgumentException>(() => SvgBarChart.Render("t", []));

    [Fact]
    public void RenderMarkdown_Report_HasRowPerResultAndRatio()
    {
        var md = MarkdownTable.Render(Report());

        Assert.Contains("| unet | diffusion-torch | batch=2 | 11.0 ms | 10.0 ms | 12.0 ms |", md, StringComparison.Ordinal);
        Assert.Contains("| engine / default | engine / pytorch | 0.500 | <= 0.60 | yes |", md, StringComparison.Ordinal);
        Assert.Contains("Test CPU", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_NewFolder_CreatesFileThatRoundTrips()
    {
        var path = Path.Combine(Path.GetTempPath(), "bench-tests-" + Guid.NewGuid().ToString("N"), "r.json");
        try
        {
            ReportJson.Write(Report(), path);

            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            Assert.Equal(2, doc.RootElement.GetProperty("results").GetArrayLength());
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }
}
