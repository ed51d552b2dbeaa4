using Diffusion.Contracts;
using Diffusion.Contracts.V1;
using Diffusion.Imaging;
using Diffusion.Pipelines.Generation;
using Diffusion.Schedulers;
using Google.Protobuf;

namespace Diffusion.Services.Tests;

/// <summary>The real gateway in front of the three services (stand-in models) equals the in-process
/// pipeline on the same models bit for bit: the services split diffusers' stages and keep its
/// random draw order.</summary>
[Collection(TextEncoderCollection.Name)]
public sealed class GatewayParityTests : IAsyncLifetime
{
    private readonly StandInProvider _provider = new()
    {
        UNet = new StandInUNet(crossAttentionDim: StandInTextEncoder.Hidden),
        TextEncoder = new StandInTextEncoder(),
        Vae = new StandInVae(),
    };
    private GatewayStack _stack = null!;

    public async Task InitializeAsync() => _stack = await GatewayStack.StartAsync(_provider, "stand-in-model");

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    internal static byte[] Picture(int salt, int channels = 3, int size = 64)
    {
        var pixels = new byte[size * size * channels];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)((i * 7 + salt * 13 + i / 190) % 256);
        return PngEncoder.Encode(pixels, size, size, channels);
    }

    internal static byte[] Mask(int size = 64)
    {
        var pixels = new byte[size * size];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++) pixels[y * size + x] = (byte)(x >= size * 3 / 8 && x < size * 3 / 4 && y >= size / 4 ? 255 : 0);
        return PngEncoder.Encode(pixels, size, size, 1);
    }

    public static TheoryData<string> Modes => new() { "txt2img Euler a", "txt2img DDIM unguided", "img2img DPM++ 2M", "inpaint Euler a" };

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Generate_ThroughTheServices_EqualsTheInProcessPipeline(string mode)
    {
        var request = new GenerateRequest
        {
            Prompt = "a lighthouse at dusk",
            NegativePrompt = mode.Contains("inpaint") ? "blurry" : "",
            Width = 64,
            Height = 64,
            Steps = 5,
            Seed = 1234,
            NumImages = 2,
            Scheduler = mode[(mode.IndexOf(' ') + 1)..].Replace(" unguided", ""),
            RawOutput = true,
        };
        if (mode.Contains("unguided")) request.GuidanceScale = 1f;
        if (mode.StartsWith("img2img") || mode.StartsWith("inpaint"))
        {
            request.InitImage = ByteString.CopyFrom(Picture(3));
            request.Strength = 0.6f;
        }
        if (mode.StartsWith("inpaint"))
            request.MaskImage = ByteString.CopyFrom(Mask());

        var response = await _stack.GenerateAsync(request);

        using var pipeline = new StableDiffusionPipeline(new StandInTextEncoder(), new StandInUNet(crossAttentionDim: StandInTextEncoder.Hidden),
            new StandInVae(), SchedulerConfig.Parse(StandInProvider.Sd15SchedulerConfig), new SeededNoiseFactory());
        var expected = await pipeline.GenerateAsync(new GenerationRequest
        {
            Prompts = [request.Prompt],
            NegativePrompts = [request.NegativePrompt],
            Steps = request.Steps,
            GuidanceScale = request.HasGuidanceScale ? request.GuidanceScale : 7.5f,
            Scheduler = request.Scheduler,
            Seed = request.Seed,
            Width = 64,
            Height = 64,
            NumImages = 2,
            InitImage = request.InitImage.IsEmpty ? null : PngDecoder.Decode(request.InitImage.Span),
            Strength = request.Strength == 0 ? 0.8f : request.Strength,
            Mask = request.MaskImage.IsEmpty ? null : PngDecoder.Decode(request.MaskImage.Span),
        });

        Assert.Equal(2, response.Images.Count);
        Assert.Equal(expected.FinalLatents, Tensors.ToFloats(response.FinalLatents));
        Assert.Equal(expected.Image, Tensors.ToFloats(response.RawImage));
    }
}
