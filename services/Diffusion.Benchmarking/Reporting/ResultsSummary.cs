using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Diffusion.Benchmarking.Reporting;

/// <summary>Folds every report JSON in a results folder into one markdown table (README.md) and one chart (summary.svg).</summary>
public static class ResultsSummary
{
    /// <summary>Reads <paramref name="folder"/>/*.json reports (files that are not reports are skipped), writes README.md and
    /// the charts there, and returns the markdown.</summary>
    public static string Write(string folder)
    {
        var reports = new List<(string File, JsonElement Root)>();
        foreach (var path in Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("results", out _)
                && doc.RootElement.TryGetProperty("machine", out _))
                reports.Add((Path.GetFileName(path), doc.RootElement.Clone()));
        }
        if (reports.Count == 0)
            throw new InvalidOperationException($"no bench reports (*.json) in {folder}");

        // One chart per benchmark kind: a UNet forward (seconds) and a text encoding (milliseconds) share no scale.
        var bars = reports.SelectMany(r => r.Root.GetProperty("results").EnumerateArray().Select(ToResult)).ToArray();
        var machine = reports[0].Root.GetProperty("machine");
        var charts = new List<string>();
        foreach (var group in bars.GroupBy(b => b.Benchmark))
        {
            var name = $"summary-{group.Key}.svg";
            SvgBarChart.Write(Path.Combine(folder, name),
                $"{group.Key}: median (bar) and min..max, {machine.GetProperty("cpu_model").GetString()}, {machine.GetProperty("torch_threads").GetInt32()} threads",
                group.ToArray());
            charts.Add(name);
        }
        var md = Render(reports, charts);
        File.WriteAllText(Path.Combine(folder, "README.md"), md);
        return md;
    }

    internal static string Render(IReadOnlyList<(string File, JsonElement Root)> reports, IReadOnlyList<string> charts)
    {
        var sb = new StringBuilder();
        var m = reports[0].Root.GetProperty("machine");
        sb.AppendLine("# Benchmark results");
        sb.AppendLine();
        sb.AppendLine(Inv($"Machine: {m.GetProperty("cpu_model").GetString()}, {m.GetProperty("logical_cores").GetInt32()} logical cores, engine threads {m.GetProperty("torch_threads").GetInt32()}, libtorch {m.GetProperty("torch_version").GetString()}, {m.GetProperty("dot_net_version").GetString()}, {m.GetProperty("operating_system").GetString()}."));
        sb.AppendLine();
        foreach (var chart in charts)
        {
            sb.AppendLine($"![{chart}]({chart})");
            sb.AppendLine();
        }
        sb.AppendLine("| report | benchmark | implementation | settings | median | min | max | iters | peak RSS | load at start |");
        sb.AppendLine("|---|---|---|---|---:|---:|---:|---:|---:|---|");
        foreach (var (file, root) in reports)
        {
            var load = string.Join(" / ", root.GetProperty("machine").GetProperty("load_average").EnumerateArray().Select(v => v.GetDouble().ToString("F2", CultureInfo.InvariantCulture)));
            foreach (var r in root.GetProperty("results").EnumerateArray())
            {
                var settings = string.Join(", ", r.GetProperty("settings").EnumerateObject()
                    .Where(p => p.Name is not ("reference" or "threads" or "model"))
                    .Select(p => $"{p.Name}={p.Value.GetString()}"));
                var rss = r.GetProperty("peak_rss_mb").ValueKind == JsonValueKind.Number ? Inv($"{r.GetProperty("peak_rss_mb").GetDouble():F0} MiB") : "n/a";
                sb.AppendLine(Inv($"| [{file}]({file}) | {r.GetProperty("benchmark").GetString()} | {r.GetProperty("implementation").GetString()} | {settings} | {SvgBarChart.FormatMs(r.GetProperty("median_ms").GetDouble())} | {SvgBarChart.FormatMs(r.GetProperty("min_ms").GetDouble())} | {SvgBarChart.FormatMs(r.GetProperty("max_ms").GetDouble())} | {r.GetProperty("iters").GetInt32()} | {rss} | {load} |"));
            }
        }
        var comparisons = reports.SelectMany(r => r.Root.GetProperty("comparisons").EnumerateArray()).ToArray();
        if (comparisons.Length > 0)
        {
            sb.AppendLine();
            sb.AppendLine("| ratio (medians, measured side by side) | value | goal | met |");
            sb.AppendLine("|---|---:|---:|---|");
            foreach (var c in comparisons)
            {
                var goal = c.GetProperty("goal").ValueKind == JsonValueKind.Number ? Inv($"<= {c.GetProperty("goal").GetDouble():F2}") : "";
                var met = c.GetProperty("goal_met").ValueKind switch { JsonValueKind.True => "yes", JsonValueKind.False => "no", _ => "" };
                sb.AppendLine(Inv($"| {c.GetProperty("name").GetString()} ({c.GetProperty("result").GetString()} / {c.GetProperty("baseline").GetString()}) | {c.GetProperty("ratio").GetDouble():F3} | {goal} | {met} |"));
            }
        }
        var notes = reports.SelectMany(r => r.Root.GetProperty("notes").EnumerateArray().Select(n => $"{r.File}: {n.GetString()}")).ToArray();
        if (notes.Length > 0)
        {
            sb.AppendLine();
            foreach (var n in notes)
                sb.AppendLine("- " + n);
        }
        return sb.ToString();
    }

    private static BenchmarkResult ToResult(JsonElement r) => BenchmarkResult.FromTimes(
        r.GetProperty("benchmark").GetString()!, r.GetProperty("implementation").GetString()!, r.GetProperty("label").GetString()!,
        r.GetProperty("times_ms").EnumerateArray().Select(t => t.GetDouble()).ToArray(), r.GetProperty("warmup").GetInt32(), null);

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
