using System.Text.Json;
using System.Text.Json.Serialization;

namespace Diffusion.Benchmarking.Reporting;

/// <summary>Writes and reads <see cref="BenchmarkReport"/> JSON (snake_case keys: median_ms, min_ms, max_ms,
/// iters, peak_rss_mb, machine, ...).</summary>
public static class ReportJson
{
    /// <summary>The serializer settings used for reports.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The report as indented JSON text.</summary>
    public static string Serialize(BenchmarkReport report) => JsonSerializer.Serialize(report, Options);

    /// <summary>Writes the report to <paramref name="path"/>, creating its folder.</summary>
    public static void Write(BenchmarkReport report, string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
            Directory.CreateDirectory(folder);
        File.WriteAllText(path, Serialize(report) + "\n");
    }
}
