using Diffusion.Imaging;
using Diffusion.Pipelines.Generation;
using Xunit.Abstractions;

namespace Diffusion.EndToEnd.Tests;

/// <summary>README's main job: `./diffusion generate "a panda eating tacos at the beach"` with no
/// --model and no --gateway writes the built-in model, starts four processes, writes a PNG.</summary>
public sealed class MainJobTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Generate_NoModelNoGateway_WritesPngEqualToInProcessPipeline()
    {
        using var dir = new TempDir();
        string models = Path.Combine(dir.Path, "models");
        string png = Path.Combine(dir.Path, "panda.png");
        string raw = Path.Combine(dir.Path, "panda.safetensors");
        var env = new Dictionary<string, string> { ["DIFFUSION_MODELS"] = models };

        var (code, text) = await CliRunner.RunAsync(
            ["generate", "a panda eating tacos at the beach", "--steps", "4", "--seed", "1234", "--out", png, "--raw-out", raw],
            TimeSpan.FromMinutes(5), env);
        output.WriteLine(text);

        Assert.True(code == 0, $"exit code {code}:\n{text}");
        Assert.Contains("tiny random-weight model", text);
        Assert.Contains($"wrote {png}", text);
        var image = PngDecoder.Decode(File.ReadAllBytes(png));
        string modelDir = Directory.GetDirectories(models).Single();

        using var local = new InProcess(modelDir);
        var expected = await local.Pipeline.GenerateAsync(new GenerationRequest
        {
            Prompts = ["a panda eating tacos at the beach"],
            Steps = 4,
            Seed = 1234,
            Width = local.DefaultSize,
            Height = local.DefaultSize,
        });
        Assert.Equal((local.DefaultSize, local.DefaultSize, 3), (image.Width, image.Height, image.Channels));
        var written = new SafetensorsFile(raw);
        Comparison.AssertClose(expected.Image, written.Floats("image"), 0, "four-process image vs in-process");
        Comparison.AssertClose(expected.FinalLatents, written.Floats("final_latents"), 0, "four-process final latents vs in-process");
        Assert.Equal(VaeImageProcessor.Quantize(expected.Image), image.Pixels);
    }
}
