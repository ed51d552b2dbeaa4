using System.Globalization;
using System.Text;

namespace Diffusion.Benchmarking.Reporting;

/// <summary>A report as markdown: the machine, a results table and the side-by-side ratios. Also what the
/// console prints.</summary>
public static class MarkdownTable
{
    /// <summary>Renders the whole report.</summary>
    public static string Render(BenchmarkReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var m = report.Machine;
        var sb = new StringBuilder();
        sb.AppendLine(Inv($"`{report.Command}` at {report.StartedUtc:yyyy-MM-dd HH:mm} UTC"));
        sb.AppendLine();
        sb.AppendLine(Inv($"Machine: {m.CpuModel}, {m.LogicalCores} logical cores, {m.MemoryTotalMb / 1024:F0} GiB; engine threads {m.TorchThreads}, libtorch {m.TorchVersion}; {m.DotNetVersion}; {m.OperatingSystem}; load average at start {string.Join(" / ", m.LoadAverage.Select(v => v.ToString("F2", CultureInfo.InvariantCulture)))}{(m.Gpu is null ? "" : "; GPU " + m.Gpu)}"));
        sb.AppendLine();
        sb.AppendLine("| benchmark | implementation | settings | median | min | max | spread | iters | peak RSS |");
        sb.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var r in report.Results)
        {
            var settings = string.Join(", ", r.Settings.Where(kv => kv.Key != "reference").Select(kv => $"{kv.Key}={kv.Value}"));
            var rss = r.PeakRssMb is { } mb ? Inv($"{mb:F0} MiB") : "n/a";
            sb.AppendLine(Inv($"| {r.Benchmark} | {r.Implementation} | {settings} | {SvgBarChart.FormatMs(r.MedianMs)} | {SvgBarChart.FormatMs(r.MinMs)} | {SvgBarChart.FormatMs(r.MaxMs)} | {r.SpreadPercent:F1}% | {r.Iters} | {rss} |"));
        }
        var values = report.Results.Where(r => r.Values.Count > 0).ToArray();
        if (values.Length > 0)
        {
            sb.AppendLine();
            foreach (var r in values)
                sb.AppendLine(Inv($"- {r.Label}: {string.Join(", ", r.Values.Select(kv => Inv($"{kv.Key} = {kv.Value:G4}")))}"));
        }
        if (report.Comparisons.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("| ratio | result / baseline | value | goal | met |");
            sb.AppendLine("|---|---|---:|---:|---|");
            foreach (var c in report.Comparisons)
            {
                var goal = c.Goal is { } g ? Inv($"<= {g:F2}") : "";
                var met = c.GoalMet switch { true => "yes", false => "no", null => "" };
                sb.AppendLine(Inv($"| {c.Name} | {c.Result} / {c.Baseline} | {c.Ratio:F3} | {goal} | {met} |"));
            }
        }
        if (report.Notes.Count > 0)
        {
            sb.AppendLine();
            foreach (var note in report.Notes)
                sb.AppendLine("- " + note);
        }
        return sb.ToString();
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
