using Diffusion.Contracts;
using Diffusion.Contracts.V1;
using Diffusion.Hosting;
using Diffusion.Imaging;
using Diffusion.Models.Adapters;
using Diffusion.Pipelines.Generation;
using Diffusion.Testing;
using Diffusion.Torch;
using Google.Protobuf;

namespace Diffusion.Services.Tests;

/// <summary>The product's provider on the tiny reference model (../shared/reference/tiny_sd): the
/// gateway over the three services equals the in-process pipeline on the same torch models bit for bit.</summary>
[Collection(TextEncoderCollection.Name)]
public sealed class RealModelParityTests : IAsyncLifetime
{
    private static string Model => TestPaths.ReferenceFile("tiny_sd");
    private GatewayStack _stack = null!;

    public async Task InitializeAsync() => _stack = await GatewayStack.StartAsync(new TorchModelProvider(), Model);

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Theory]
    [InlineData("txt2img", "Euler a")]
    [InlineData("img2img", "DDIM")]
    [InlineData("inpaint", "DPM++ 2M")]
    public async Task Generate_TorchModelsThroughTheServices_EqualTheInProcessPipeline(string mode, string scheduler)
    {
        const int size = 32; // the tiny UNet's sample_size 16 x the tiny VAE's factor 2
        var request = new GenerateRequest
        {
            Prompt = "a photo of a cat",
            Width = size,
            Height = size,
            Steps = 4,
            Seed = 7,
            NumImages = 2,
            Scheduler = scheduler,
            RawOutput = true,
        };
        if (mode != "txt2img")
        {
            request.InitImage = ByteString.CopyFrom(GatewayParityTests.Picture(5, 3, size));
            request.Strength = 0.75f;
        }
        if (mode == "inpaint")
            request.MaskImage = ByteString.CopyFrom(GatewayParityTests.Mask(size));

        var response = await _stack.GenerateAsync(request);

        using var encoder = TorchTextEncoderModel.Load(Model, Device.Cpu, ScalarType.Float32);
        using var unet = TorchUNetModel.Load(Model, Device.Cpu, ScalarType.Float32);
        using var vae = TorchVaeModel.Load(Model, Device.Cpu, ScalarType.Float32);
        using var pipeline = new StableDiffusionPipeline(encoder, unet, vae, DiffusersModelFolder.LoadSchedulerConfig(Model), new TorchNoiseSourceFactory());
        var expected = await pipeline.GenerateAsync(new GenerationRequest
        {
            Prompts = [request.Prompt],
            Steps = request.Steps,
            Scheduler = scheduler,
            Seed = request.Seed,
            Width = size,
            Height = size,
            NumImages = 2,
            InitImage = request.InitImage.IsEmpty ? null : PngDecoder.Decode(request.InitImage.Span),
            Strength = request.Strength == 0 ? 0.8f : request.Strength,
            Mask = request.MaskImage.IsEmpty ? null : PngDecoder.Decode(request.MaskImage.Span),
        });

        Assert.Equal(expected.LatentShape, Tensors.Shape(response.FinalLatents));
        Assert.Equal(expected.FinalLatents, Tensors.ToFloats(response.FinalLatents)); // bit for bit
        Assert.Equal(expected.Image, Tensors.ToFloats(response.RawImage));
        Assert.Equal(2, response.Images.Count);
    }
}
