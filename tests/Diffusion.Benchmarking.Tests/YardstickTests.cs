using System.Text.Json;
using Diffusion.Benchmarking.Yardstick;

namespace Diffusion.Benchmarking.Tests;

public class YardstickTests
{
    [Fact]
    public void Read_Sd15Unet_IsThePublicConfig()
    {
        using var doc = JsonDocument.Parse(ModelConfigs.Read("sd15", "unet"));

        Assert.Equal(768, doc.RootElement.GetProperty("cross_attention_dim").GetInt32());
        Assert.Equal(8, doc.RootElement.GetProperty("attention_head_dim").GetInt32());
    }

    [Fact]
    public void Read_Unknown_Throws() =>
        Assert.Throws<ArgumentException>(() => ModelConfigs.Read("sd99", "unet"));

    [Fact]
    public void Parse_YardstickJson_ReadsModes()
    {
        const string json = """
            {"torch_version": "1.13.0a0", "torch_threads": 2, "parameters": 859520964, "peak_rss_mb": 4000.5,
             "results": [{"attention": "default", "times_ms": [1.0, 2.0], "warmup": 1, "median_ms": 1.5}]}
            """;

        var r = PythonYardstick.Parse(json);

        Assert.Equal(859520964, r.Parameters);
        Assert.Equal(4000.5, r.PeakRssMb);
        Assert.Equal("default", r.Results[0].Attention);
        Assert.Equal([1.0, 2.0], r.Results[0].TimesMs);
    }

    [Fact]
    public void BuildArguments_Request_PassesEverySetting()
    {
        var args = PythonYardstick.BuildArguments("s.py", new YardstickRequest("c.json", ["default", "sliced"], 2, 64, 77, 1, 3, 2, "f32", "cpu")
        {
            WeightsPath = "w.safetensors",
        });

        Assert.Equal(["s.py", "--config", "c.json", "--attention", "default,sliced", "--batch", "2", "--size", "64", "--seq", "77",
            "--warmup", "1", "--iters", "3", "--threads", "2", "--dtype", "f32", "--device", "cpu", "--weights", "w.safetensors"], args);
    }

    [PythonTorchFact]
    public async Task RunAsync_TinyConfig_TimesBothModes()
    {
        var folder = Path.Combine(Path.GetTempPath(), "bench-yardstick-" + Guid.NewGuid().ToString("N"));
        try
        {
            var config = ModelConfigs.WriteTo(folder, "tiny", "unet");

            var report = await PythonYardstick.RunAsync(
                new YardstickRequest(config, ["default", "sliced"], 1, 8, 7, 0, 1, 1, "f32", "cpu"), null, CancellationToken.None);

            Assert.Equal(["default", "sliced"], report.Results.Select(r => r.Attention));
            Assert.All(report.Results, r => Assert.Single(r.TimesMs));
            Assert.True(report.Parameters > 1_000_000);
            Assert.True(report.PeakRssMb > 10);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

/// <summary>Skips (with the reason printed) where /usr/bin/python3 cannot import torch.</summary>
public sealed class PythonTorchFactAttribute : FactAttribute
{
    public PythonTorchFactAttribute()
    {
        if (!PythonYardstick.IsAvailable(out var reason))
            Skip = reason;
    }
}
