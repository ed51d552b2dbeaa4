using System.Text.Json;
using Diffusion.Benchmarking.Commands;
using Diffusion.Benchmarking.Yardstick;

namespace Diffusion.Benchmarking.Tests;

/// <summary>The real engine on tiny configs: the yardstick computes what our UNet computes, and the unet command runs.</summary>
public class EngineTests
{
    [PythonTorchFact]
    public async Task RunAsync_TinyUNetSameWeights_EngineMatchesBothYardstickModes()
    {
        var result = await YardstickEquivalence.RunAsync("tiny", latentSize: 16);

        Assert.True(result.MaxAbsOutput > 0.01, $"trivial output {result.MaxAbsOutput}");
        Assert.True(result.Passed, $"engine vs PyTorch: default {result.MaxAbsDiffDefault}, sliced {result.MaxAbsDiffSliced}");
    }

    [Fact]
    public async Task Invoke_UNetTinyRandomWeights_TimesTheEngineForward()
    {
        var path = Path.Combine(Path.GetTempPath(), "bench-engine-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            int exit = await BenchCommandFactory.Create()
                .Parse(["unet", "--random-weights", "tiny", "--no-yardstick", "--iters", "1", "--warmup", "0", "--json", path]).InvokeAsync();

            Assert.Equal(0, exit);
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var r = doc.RootElement.GetProperty("results")[0];
            Assert.Equal("diffusion-torch", r.GetProperty("implementation").GetString());
            Assert.Equal("2", r.GetProperty("settings").GetProperty("rows").GetString());
            Assert.True(long.Parse(r.GetProperty("settings").GetProperty("parameters").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > 1_000_000);
            Assert.Contains(doc.RootElement.GetProperty("machine").GetProperty("torch_build").EnumerateArray(), l => l.GetString()!.Length > 0);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

public class EnginePipelineTests
{
    [Theory]
    [InlineData("text-encoder")]
    [InlineData("vae-decode")]
    [InlineData("pipeline")]
    [InlineData("concurrency")]
    public async Task Invoke_KindTinyRandomWeights_RunsOnTheEngine(string kind)
    {
        var path = Path.Combine(Path.GetTempPath(), "bench-engine-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            string[] extra = kind == "concurrency" ? ["--requests", "2"] : [];
            int exit = await BenchCommandFactory.Create()
                .Parse([kind, "--random-weights", "tiny", "--iters", "1", "--warmup", "0", "--steps", "2", "--json", path, .. extra]).InvokeAsync();

            Assert.Equal(0, exit);
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            Assert.All(doc.RootElement.GetProperty("results").EnumerateArray(), r => Assert.True(r.GetProperty("median_ms").GetDouble() > 0));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Invoke_TinyModelFolder_LoadsWithModelOption()
    {
        var dir = Path.Combine(Path.GetTempPath(), "bench-tiny-model-" + Guid.NewGuid().ToString("N"));
        try
        {
            Diffusion.Models.TinyModels.TinyModelWriter.Write(dir, seed: 3);

            int exit = await BenchCommandFactory.Create()
                .Parse(["pipeline", "--model", dir, "--size", "64", "--iters", "1", "--warmup", "0", "--steps", "2"]).InvokeAsync();

            Assert.Equal(0, exit);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
