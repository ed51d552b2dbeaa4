using System.Text.Json;
using Diffusion.Benchmarking.Commands;
using Diffusion.Benchmarking.Reporting;

namespace Diffusion.Benchmarking.Tests;

public class BenchCommandTests
{
    private static async Task<(int Exit, JsonElement Report, StandInProvider Provider)> RunAsync(params string[] args)
    {
        var folder = Path.Combine(Path.GetTempPath(), "bench-cmd-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var provider = new StandInProvider();
            var json = Path.Combine(folder, "r.json");
            var svg = Path.Combine(folder, "r.svg");
            int exit = await BenchCommandFactory.Create(provider)
                .Parse([.. args, "--json", json, "--svg", svg, "--iters", "1", "--warmup", "0"]).InvokeAsync();
            if (exit != 0)
                return (exit, default, provider);
            Assert.True(File.Exists(svg));
            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            return (exit, doc.RootElement.Clone(), provider);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("text-encoder", "text-encoder", 1, "--batch", "2")]
    [InlineData("vae-decode", "vae-decode", 1, "--batch", "2")]
    [InlineData("pipeline", "pipeline", 1, "--batch", "2")]
    [InlineData("concurrency", "concurrency", 2, "--requests", "3")]
    public async Task Invoke_Kind_WritesReportWithTimings(string kind, string benchmark, int resultCount, string option, string value)
    {
        var (exit, report, _) = await RunAsync(kind, "--random-weights", "tiny", "--steps", "2", option, value);

        Assert.Equal(0, exit);
        var results = report.GetProperty("results");
        Assert.Equal(resultCount, results.GetArrayLength());
        foreach (var r in results.EnumerateArray())
        {
            Assert.Equal(benchmark, r.GetProperty("benchmark").GetString());
            Assert.Equal(1, r.GetProperty("iters").GetInt32());
            Assert.True(r.GetProperty("median_ms").GetDouble() >= 0);
            Assert.True(r.GetProperty("peak_rss_mb").GetDouble() > 0);
        }
        Assert.False(string.IsNullOrEmpty(report.GetProperty("machine").GetProperty("cpu_model").GetString()));
        Assert.StartsWith($"bench {kind} ", report.GetProperty("command").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_UNetWithoutYardstick_OneEngineResult()
    {
        var (exit, report, provider) = await RunAsync("unet", "--random-weights", "tiny", "--no-yardstick", "--batch", "2");

        Assert.Equal(0, exit);
        var r = Assert.Single(report.GetProperty("results").EnumerateArray());
        Assert.Equal("diffusion-torch", r.GetProperty("implementation").GetString());
        Assert.Equal("4", r.GetProperty("settings").GetProperty("rows").GetString());
        Assert.Equal(["unet-forward:f32"], provider.Loaded);
    }

    [PythonTorchFact]
    public async Task Invoke_UNetWithYardstick_RatiosAgainstBothAttentionModes()
    {
        var (exit, report, _) = await RunAsync("unet", "--random-weights", "tiny", "--threads", "1");

        Assert.Equal(0, exit);
        Assert.Equal(["diffusion-torch", "pytorch-default", "pytorch-sliced"],
            report.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("implementation").GetString()));
        var comparisons = report.GetProperty("comparisons").EnumerateArray().ToArray();
        Assert.Equal(2, comparisons.Length);
        Assert.Equal(0.6, comparisons[0].GetProperty("goal").GetDouble());
        Assert.All(comparisons, c => Assert.True(c.GetProperty("ratio").GetDouble() > 0));
    }

    [Fact]
    public async Task Invoke_PipelineBf16CompareF32_ReportsPsnr()
    {
        var (exit, report, provider) = await RunAsync("pipeline", "--random-weights", "tiny", "--dtype", "bf16", "--compare-f32", "--steps", "2");

        Assert.Equal(0, exit);
        var results = report.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(2, results.Length);
        double psnr = results[0].GetProperty("values").GetProperty("psnr_db_vs_f32").GetDouble();
        Assert.InRange(psnr, 50.0, 70.0); // the stand-in VAE offsets bf16 images by 0.001: 60 dB
        Assert.Contains("vae:f32", provider.Loaded);
    }

    [Fact]
    public async Task Invoke_BothModelAndRandom_FailsWithUsage()
    {
        var (exit, _, _) = await RunAsync("unet", "--random-weights", "tiny", "--model", "/tmp");

        Assert.Equal(2, exit);
    }

    [Fact]
    public async Task Invoke_UnknownArchitecture_FailsToParse()
    {
        var (exit, _, _) = await RunAsync("unet", "--random-weights", "sd99");

        Assert.NotEqual(0, exit);
    }

    [Fact]
    public void Psnr_KnownError_TenLog10OfInverseMse()
    {
        float[] a = [0f, 0.5f, 1f, 0.25f];
        float[] b = [0.1f, 0.4f, 0.9f, 0.35f];

        Assert.Equal(20.0, Runners.PipelineBenchmarks.Psnr(a, b), 4);
        Assert.Equal(double.PositiveInfinity, Runners.PipelineBenchmarks.Psnr(a, a));
    }
}

public class SummarizeTests
{
    [Fact]
    public async Task Summarize_FolderOfReports_WritesTableAndChart()
    {
        var folder = Path.Combine(Path.GetTempPath(), "bench-sum-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var bench = BenchCommandFactory.Create(new StandInProvider());
            Assert.Equal(0, await bench.Parse(["vae-decode", "--random-weights", "tiny", "--iters", "1", "--json", Path.Combine(folder, "a.json")]).InvokeAsync());
            Assert.Equal(0, await bench.Parse(["concurrency", "--random-weights", "tiny", "--iters", "1", "--steps", "1", "--requests", "2", "--json", Path.Combine(folder, "b.json")]).InvokeAsync());
            File.WriteAllText(Path.Combine(folder, "other.json"), "{\"not\": \"a report\"}");

            Assert.Equal(0, await bench.Parse(["summarize", folder]).InvokeAsync());

            var md = File.ReadAllText(Path.Combine(folder, "README.md"));
            Assert.Contains("| [a.json](a.json) | vae-decode | diffusion-torch |", md, StringComparison.Ordinal);
            Assert.Contains("| [b.json](b.json) | concurrency | step-batched |", md, StringComparison.Ordinal);
            Assert.Contains("step-batched / sequential", md, StringComparison.Ordinal);
            var vae = System.Xml.Linq.XDocument.Load(Path.Combine(folder, "summary-vae-decode.svg"));
            Assert.Single(vae.Descendants(), e => e.Name.LocalName == "title");
            var concurrency = System.Xml.Linq.XDocument.Load(Path.Combine(folder, "summary-concurrency.svg"));
            Assert.Equal(2, concurrency.Descendants().Count(e => e.Name.LocalName == "title"));
            Assert.Contains("![summary-concurrency.svg](summary-concurrency.svg)", md, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
