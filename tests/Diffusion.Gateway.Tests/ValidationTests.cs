using Diffusion.Contracts;
using Diffusion.Contracts.V1;
using Diffusion.Gateway.Tests.Fakes;
using Diffusion.Gateway.Tests.Support;
using Diffusion.Grpc;
using Google.Protobuf;

namespace Diffusion.Gateway.Tests;

/// <summary>Each bad input is refused with INVALID_ARGUMENT naming the field, before any downstream work.
/// Limits of the fixture: 100-byte prompts, 60 steps, 3 images, 512 px; the fakes: VAE factor 8,
/// UNet sample size 8, 4 latent channels, 12 encoder layers.</summary>
public sealed class ValidationTests(HarnessFixture fixture) : IClassFixture<HarnessFixture>
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in Mutations.Keys)
            data.Add(name, Mutations[name].Expected);
        return data;
    }

    private static readonly Dictionary<string, (Action<GenerateRequest> Mutate, string Expected)> Mutations = new()
    {
        ["width not a multiple of 8"] = (r => r.Width = 100, "width 100 must be a multiple of 8"),
        ["height not a multiple of 8"] = (r => r.Height = 36, "height 36 must be a multiple of 8"),
        ["width above the maximum"] = (r => r.Width = 1024, "width 1024 must be in 16..512"),
        ["height below the minimum"] = (r => r.Height = 8, "height 8 must be in 16..512"),
        ["negative width"] = (r => r.Width = -64, "width -64 must be in"),
        ["steps above the maximum"] = (r => r.Steps = 61, "steps must be in 1..60"),
        ["negative steps"] = (r => r.Steps = -1, "steps must be in 1..60"),
        ["guidance NaN"] = (r => r.GuidanceScale = float.NaN, "guidance_scale must be a finite number"),
        ["guidance infinite"] = (r => r.GuidanceScale = float.PositiveInfinity, "guidance_scale must be a finite number"),
        ["guidance negative"] = (r => r.GuidanceScale = -2f, "guidance_scale must be in 0..50"),
        ["too many images"] = (r => r.NumImages = 4, "num_images must be in 1..3"),
        ["negative images"] = (r => r.NumImages = -1, "num_images must be in 1..3"),
        ["prompt too long"] = (r => r.Prompt = new string('a', 101), "prompt is 101 bytes of UTF-8; the limit is 100"),
        ["prompt too long in UTF-8"] = (r => r.Prompt = new string('é', 51), "prompt is 102 bytes"),
        ["negative prompt too long"] = (r => r.NegativePrompt = new string('b', 200), "negative_prompt is 200 bytes"),
        ["unknown scheduler"] = (r => r.Scheduler = "FancyScheduler", "scheduler 'FancyScheduler' is unknown; choose one of: PNDMScheduler, EulerDiscreteScheduler"),
        ["too many scheduler options"] = (r => { r.SchedulerOptions["a"] = "1"; r.SchedulerOptions["b"] = "2"; r.SchedulerOptions["c"] = "3"; }, "scheduler_options has 3 entries; the limit is 2"),
        ["clip_skip past the last layer"] = (r => r.ClipSkip = 12, "clip_skip 12 would skip every layer"),
        ["negative clip_skip"] = (r => r.ClipSkip = -1, "clip_skip must not be negative"),
        ["strength without init image"] = (r => r.Strength = 0.5f, "strength applies to img2img and inpainting only"),
        ["init image without strength"] = (r => r.InitImage = Png(64, 64), "strength must be in (0, 1]"),
        ["strength above 1"] = (r => { r.InitImage = Png(64, 64); r.Strength = 1.5f; }, "strength must be in (0, 1]"),
        ["strength NaN"] = (r => { r.InitImage = Png(64, 64); r.Strength = float.NaN; }, "strength must be in (0, 1]"),
        ["strength leaving no step"] = (r => { r.InitImage = Png(64, 64); r.Strength = 0.1f; r.Steps = 5; }, "strength 0.1 with 5 steps runs no denoising step"),
        ["mask without init image"] = (r => r.MaskImage = Png(64, 64), "mask_image needs init_image"),
        ["mask of another size"] = (r => { r.InitImage = Png(64, 64); r.Strength = 1f; r.MaskImage = Png(32, 32); }, "mask_image is 32x32 but init_image is 64x64"),
        ["init image not a PNG"] = (r => { r.InitImage = ByteString.CopyFromUtf8("GIF89a not a png"); r.Strength = 0.8f; }, "init_image is not a usable PNG"),
        ["init image of another size"] = (r => { r.InitImage = Png(64, 64); r.Strength = 0.8f; r.Width = 128; }, "init_image is 64x64 but width x height is 128x64"),
        ["init image not a multiple of 8"] = (r => { r.InitImage = Png(60, 64); r.Strength = 0.8f; }, "width 60 (taken from init_image) must be a multiple of 8"),
        ["latents of the wrong shape"] = (r => r.Latents = Tensors.FromFloats(new float[4 * 4 * 4], 1, 4, 4, 4), "latents has shape [1, 4, 4, 4] but this request needs [1, 4, 8, 8]"),
        ["latents with a wrong byte count"] = (r => r.Latents = new Tensor { Dtype = DType.F32, Shape = { 1, 4, 8, 8 }, Data = ByteString.CopyFrom(new byte[10]) }, "latents: data has 10 bytes"),
        ["latents of rank 3"] = (r => r.Latents = Tensors.FromFloats(new float[4 * 8 * 8], 4, 8, 8), "latents: has rank 3"),
        ["latents in F16"] = (r => r.Latents = Tensors.Create(DType.F16, new byte[2 * 256], 1, 4, 8, 8), "latents: dtype F16 is not accepted here"),
        ["latents with img2img"] = (r => { r.InitImage = Png(64, 64); r.Strength = 0.8f; r.Latents = Tensors.FromFloats(new float[256], 1, 4, 8, 8); }, "latents cannot be combined with img2img"),
        ["unknown model"] = (r => r.Model = "sdxl", "model 'sdxl' is not served here (this gateway serves 'fake-unet'"),
        ["unknown encoder"] = (r => r.Encoder = "t5", "encoder 't5' is not served here"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Generate_InvalidInput_InvalidArgumentWithoutDownstreamCall(string name, string expectedMessage)
    {
        var harness = fixture.Harness;
        int before = harness.WorkCalls;
        var request = GatewayHarness.Request();
        Mutations[name].Mutate(request);

        var error = await harness.GenerateFailsAsync(request);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(expectedMessage, error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, harness.WorkCalls);
    }

    [Fact]
    public async Task Generate_SeveralProblems_ReportsThemAllInOneMessage()
    {
        var request = GatewayHarness.Request();
        request.Width = 100;
        request.Steps = 1000;
        request.GuidanceScale = float.NaN;

        var error = await fixture.Harness.GenerateFailsAsync(request);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("width 100", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("steps must be", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("guidance_scale", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_BoundaryValues_Accepted()
    {
        var request = GatewayHarness.Request();
        request.Width = 16;
        request.Height = 512;
        request.Steps = 1;
        request.NumImages = 3;
        request.GuidanceScale = 50f;
        request.ClipSkip = 11;
        request.Prompt = new string('a', 100);

        var response = await fixture.Harness.GenerateAsync(request);

        Assert.Equal(3, response.Images.Count);
    }

    [Fact]
    public async Task Generate_FieldsLeftAtZero_TakeTheDefaults()
    {
        var request = new GenerateRequest { Prompt = "defaults" };
        request.GuidanceScale = 0f;

        var response = await fixture.Harness.GenerateAsync(request);

        var denoise = fixture.Harness.Denoisers[0].Calls.Last().Request;
        Assert.Equal(50, denoise.Steps);
        Assert.Equal(7.5f, denoise.GuidanceScale);
        Assert.Equal(1, denoise.NumImagesPerPrompt);
        Assert.Equal((8, 8), (denoise.LatentHeight, denoise.LatentWidth)); // 64 px: sample size 8 x factor 8
        Assert.Equal("", denoise.Scheduler);
        Assert.Single(response.Images);
        Assert.Single(response.Seeds);
    }

    private static ByteString Png(int width, int height) => ByteString.CopyFrom(FakeData.Png(width, height));
}
