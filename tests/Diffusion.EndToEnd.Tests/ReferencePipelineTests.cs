using System.Collections.Concurrent;
using Diffusion.Cli.Commands;
using Diffusion.Contracts.V1;
using Diffusion.Pipelines.Generation;
using Google.Protobuf;
using Xunit.Abstractions;

namespace Diffusion.EndToEnd.Tests;

/// <summary>
/// Full-pipeline parity with every diffusers run in ../shared/reference/pipelines (txt2img,
/// img2img, inpainting; the same seed draws the same noise in the same order): in one process and
/// through the four processes, whose image must equal the in-process one bit for bit.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ReferencePipelineTests(StackFixture stack, ReferencePipelineTests.InProcessFixture inProcess, ITestOutputHelper output)
    : IClassFixture<ReferencePipelineTests.InProcessFixture>
{
    /// <summary>End-to-end tolerance on the [0, 1] image (the reference README explains why
    /// guidance amplifies float noise from 1e-6 to about 1e-3).</summary>
    private const double ImageTolerance = 1e-2;

    public sealed class InProcessFixture : IDisposable
    {
        private readonly InProcess _models = new(StackFixture.ModelDir);

        internal InProcess Models => _models;
        private readonly ConcurrentDictionary<string, GenerationResult> _results = new();

        internal GenerationResult Run(ReferenceCase c)
        {
            var tensors = new SafetensorsFile(c.Tensors);
            return _results.GetOrAdd(c.Name, _ => _models.Pipeline.GenerateAsync(c.ToGenerationRequest(tensors)).GetAwaiter().GetResult());
        }

        public void Dispose() => _models.Dispose();
    }

    public static TheoryData<string> AllCases => [.. ReferenceCase.Names];

    public static TheoryData<string> SinglePromptCases => [.. ReferenceCase.Names.Where(n => !n.Contains("batch"))];

    [Theory]
    [MemberData(nameof(AllCases))]
    public void InProcess_ReferenceRun_ImageWithinTolerance(string name)
    {
        var c = ReferenceCase.Load(name);
        var expected = new SafetensorsFile(c.Tensors);
        var result = inProcess.Run(c);

        Assert.Equal<long>([result.Count, c.Height, c.Width, 3L], expected.Shape("image"));
        double latents = Comparison.MaxAbsDiff(expected.Floats("final_latents"), result.FinalLatents);
        double image = Comparison.MaxAbsDiff(expected.Floats("image"), result.Image);
        output.WriteLine($"{name}: final_latents max abs error {latents:E2}, image max abs error {image:E2}");
        Comparison.AssertClose(expected.Floats("image"), result.Image, ImageTolerance, $"{name} image", expected.Shape("image"));
    }

    [Theory]
    [MemberData(nameof(SinglePromptCases))]
    public async Task FourProcesses_ReferenceRun_EqualsInProcessBitForBit(string name)
    {
        var c = ReferenceCase.Load(name);
        var expected = new SafetensorsFile(c.Tensors);
        var request = new GenerateRequest
        {
            Prompt = c.Prompts[0],
            NegativePrompt = c.NegativePrompts[0],
            Steps = c.Steps,
            GuidanceScale = c.Guidance,
            Scheduler = c.Scheduler,
            Seed = c.Seed,
            Width = c.Width,
            Height = c.Height,
            NumImages = 1,
            RawOutput = true,
        };
        if (c.HasLatents) request.Latents = Contracts.Tensors.FromFloats(expected.Floats("latents_in"), expected.Shape("latents_in"));
        if (c.InitImage is not null)
        {
            request.InitImage = ByteString.CopyFrom(File.ReadAllBytes(c.InitImage));
            request.Strength = c.Strength;
        }
        if (c.MaskImage is not null) request.MaskImage = ByteString.CopyFrom(File.ReadAllBytes(c.MaskImage));

        using var client = new GatewayClient(stack.GatewayUrl, null);
        var response = await client.GenerateAsync(request, TimeSpan.FromMinutes(2), _ => { }, CancellationToken.None);

        var image = Contracts.Tensors.ToFloats(response.RawImage);
        var local = inProcess.Run(c);
        double vsReference = Comparison.MaxAbsDiff(expected.Floats("image"), image);
        output.WriteLine($"{name}: four processes vs in-process max abs diff {Comparison.MaxAbsDiff(local.Image, image):E2}, vs diffusers {vsReference:E2}");
        Comparison.AssertClose(local.FinalLatents, Contracts.Tensors.ToFloats(response.FinalLatents), 0, $"{name} final latents vs in-process");
        Comparison.AssertClose(local.Image, image, 0, $"{name} image vs in-process");
        Comparison.AssertClose(expected.Floats("image"), image, ImageTolerance, $"{name} image vs diffusers", expected.Shape("image"));
        Assert.Single(response.Images);
    }

    /// <summary>Any prompt mix (one cached, one not; empty negatives) gives the in-process bits: the text
    /// encoder's output for a prompt does not depend on the batch it was encoded in.</summary>
    [Theory]
    [InlineData("DPM++ 2M", "")]
    [InlineData("Euler a", "")]
    [InlineData("Euler a", "blurry")]
    public async Task FourProcesses_SeededRun_EqualsInProcessBitForBit(string scheduler, string negative)
    {
        using var client = new GatewayClient(stack.GatewayUrl, null);
        var response = await client.GenerateAsync(new GenerateRequest
        {
            Prompt = "portrait of a robot, studio lighting",
            NegativePrompt = negative,
            Steps = 8,
            Scheduler = scheduler,
            Seed = 77,
            RawOutput = true,
        }, TimeSpan.FromMinutes(2), _ => { }, CancellationToken.None);
        var local = await inProcess.Models.Pipeline.GenerateAsync(new GenerationRequest
        {
            Prompts = ["portrait of a robot, studio lighting"],
            NegativePrompts = [negative],
            Steps = 8,
            Scheduler = scheduler,
            Seed = 77,
            Width = inProcess.Models.DefaultSize,
            Height = inProcess.Models.DefaultSize,
        });
        var local2 = await inProcess.Models.Pipeline.GenerateAsync(new GenerationRequest
        {
            Prompts = ["portrait of a robot, studio lighting"],
            NegativePrompts = [negative],
            Steps = 8,
            Scheduler = scheduler,
            Seed = 77,
            Width = inProcess.Models.DefaultSize,
            Height = inProcess.Models.DefaultSize,
        });
        var response2 = await client.GenerateAsync(new GenerateRequest
        {
            Prompt = "portrait of a robot, studio lighting",
            NegativePrompt = negative,
            Steps = 8,
            Scheduler = scheduler,
            Seed = 77,
            RawOutput = true,
        }, TimeSpan.FromMinutes(2), _ => { }, CancellationToken.None);
        Comparison.AssertClose(local.FinalLatents, Contracts.Tensors.ToFloats(response.FinalLatents), 0, $"{scheduler} '{negative}' final latents");
        // The second call's prompts come from the text encoder's cache: still the same bits.
        Comparison.AssertClose(local2.FinalLatents, Contracts.Tensors.ToFloats(response2.FinalLatents), 0, $"{scheduler} '{negative}' final latents, cached prompts");
        Comparison.AssertClose(local.Image, Contracts.Tensors.ToFloats(response2.RawImage), 0, $"{scheduler} '{negative}' image, cached prompts");
    }
}
