using System.Text.Json;
using Diffusion.Benchmarking.Commands;
using Diffusion.Benchmarking.Runners;
using Diffusion.Benchmarks.Runner;

namespace Diffusion.Benchmarking.Tests;

public class ServiceBenchmarkTests
{
    [Fact]
    public async Task Invoke_ServiceTinyRandomWeights_ComparesServicesWithInProcess()
    {
        var path = Path.Combine(Path.GetTempPath(), "bench-service-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            var provider = new TorchBenchModelProvider();
            int exit = await BenchCommandFactory.Create(provider, new InProcessServiceBenchmark(provider))
                .Parse(["service", "--random-weights", "tiny", "--iters", "1", "--warmup", "0", "--steps", "2", "--json", path]).InvokeAsync();

            Assert.Equal(0, exit);
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            Assert.Equal(["diffusion-torch", "services"],
                doc.RootElement.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("implementation").GetString()));
            var comparison = Assert.Single(doc.RootElement.GetProperty("comparisons").EnumerateArray());
            Assert.Equal(1.03, comparison.GetProperty("goal").GetDouble());
            Assert.True(comparison.GetProperty("ratio").GetDouble() > 0);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ToGatewayRequest_PipelineRequest_SameGeneration()
    {
        var request = PipelineBenchmarks.Request(new RunOptions(Batch: 2, ImageSize: 256, Steps: 7, Warmup: 0, Iterations: 1), run: 3);

        var g = InProcessServiceBenchmark.ToGatewayRequest(request);

        Assert.Equal(request.Prompts[0], g.Prompt);
        Assert.EndsWith("take 3", g.Prompt, StringComparison.Ordinal);
        Assert.Equal((256, 256, 7, 2, 7.5f, 0L), (g.Width, g.Height, g.Steps, g.NumImages, g.GuidanceScale, g.Seed));
        Assert.True(g.RawOutput);
    }
}
