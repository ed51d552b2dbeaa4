using Diffusion.Contracts;
using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Diffusion.Grpc;
using Diffusion.Imaging;
using Diffusion.Pipelines.Generation;
using Diffusion.VaeCodec;
using Google.Protobuf;

namespace Diffusion.Services.Tests;

public sealed class VaeCodecFixture : IAsyncLifetime
{
    internal StandInVae Vae { get; } = new();
    internal RunningService Service { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Service = await RunningService.StartAsync<VaeRuntime>(args => VaeCodecApp.Build(args, new StandInProvider { Vae = Vae }));

    public async Task DisposeAsync() => await Service.DisposeAsync();
}

public sealed class VaeCodecTests(VaeCodecFixture fixture) : IClassFixture<VaeCodecFixture>
{
    private const float Scaling = 0.18215f;
    private RunningService Service => fixture.Service;

    private static Tensor Latents(int n, int channels = 4, int side = 4) => DenoiseRequests.Latents(n, channels, side, side, 0.2f);

    private static byte[] Pixels(int width, int height, int channels, int salt)
    {
        var pixels = new byte[width * height * channels];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)((i * 37 + salt * 11) % 256);
        return pixels;
    }

    private static byte[] Png(int width, int height, int channels = 3, int salt = 0) =>
        PngEncoder.Encode(Pixels(width, height, channels, salt), width, height, channels);

    private async Task<DecodeResponse> DecodeAsync(DecodeRequest request) =>
        (await Service.Calls.UnaryAsync(VaeCodecMethods.Decode, request)).Response;

    private async Task<EncodeImageResponse> EncodeAsync(EncodeImageRequest request) =>
        (await Service.Calls.UnaryAsync(VaeCodecMethods.Encode, request)).Response;

    [Fact]
    public async Task Decode_RawF32_IsThePostprocessedDecoderOutputOfLatentsOverTheScalingFactor()
    {
        var latents = Latents(2);

        var response = await DecodeAsync(new DecodeRequest { Latents = latents, Format = ImageFormat.RawF32 });

        Assert.Equal([2L, 32, 32, 3], response.Raw.Shape);
        var scaled = Tensors.ToFloats(latents).Select(v => v / Scaling).ToArray();
        var decoded = new StandInVae().Decode(scaled, [2, 4, 4, 4], false);
        var raw = Tensors.ToFloats(response.Raw);
        // NHWC element (n=1, y=5, x=9, c=2) is the clamped (x / 2 + 0.5) of NCHW (1, 2, 5, 9).
        float expected = Math.Clamp(decoded[((1 * 3 + 2) * 32 + 5) * 32 + 9] / 2f + 0.5f, 0f, 1f);
        Assert.Equal(expected, raw[((1 * 32 + 5) * 32 + 9) * 3 + 2]);
        Assert.Equal(VaeImageProcessor.Postprocess(decoded, 2, 3, 32, 32), raw);
        Assert.Contains(raw, v => v == 0f || v == 1f); // clamping happened somewhere
    }

    [Fact]
    public async Task Decode_PngAndRawU8_AreTheQuantizedRawF32()
    {
        var latents = Latents(2);

        var f32 = Tensors.ToFloats((await DecodeAsync(new DecodeRequest { Latents = latents, Format = ImageFormat.RawF32 })).Raw);
        var u8 = (await DecodeAsync(new DecodeRequest { Latents = latents, Format = ImageFormat.RawU8 })).Raw;
        var png = await DecodeAsync(new DecodeRequest { Latents = latents, Format = ImageFormat.Png });

        Assert.Equal(DType.U8, u8.Dtype);
        Assert.Equal(VaeImageProcessor.Quantize(f32), u8.Data.ToByteArray());
        Assert.Equal(2, png.Png.Count);
        for (int b = 0; b < 2; b++)
        {
            var image = PngDecoder.Decode(png.Png[b].Span);
            Assert.Equal((32, 32, 3), (image.Width, image.Height, image.Channels));
            Assert.Equal(u8.Data.Span.Slice(b * 32 * 32 * 3, 32 * 32 * 3).ToArray(), image.Pixels);
        }
    }

    [Fact]
    public async Task Decode_Tiled_IsPassedToTheModel()
    {
        await DecodeAsync(new DecodeRequest { Latents = Latents(1), Tiled = true, Format = ImageFormat.RawU8 });
        Assert.True(fixture.Vae.DecodeTiled[^1]);
        await DecodeAsync(new DecodeRequest { Latents = Latents(1), Format = ImageFormat.RawU8 });
        Assert.False(fixture.Vae.DecodeTiled[^1]);
    }

    [Fact]
    public async Task Decode_LatentOverTheAutoTileSize_TiledWithoutBeingAsked()
    {
        var latents = DenoiseRequests.Latents(1, 4, 136, 8, 0f); // 1088 x 64 px, over the default 128-latent bound

        var response = await DecodeAsync(new DecodeRequest { Latents = latents, Format = ImageFormat.RawU8 });

        Assert.True(fixture.Vae.DecodeTiled[^1]);
        Assert.Equal([1L, 1088, 64, 3], response.Raw.Shape);
    }

    [Fact]
    public async Task Encode_Distribution_IsTheEncodersMeanAndStd()
    {
        var request = new EncodeImageRequest { Mode = EncodeMode.Distribution };
        request.Png.Add(ByteString.CopyFrom(Png(32, 24)));

        var response = await EncodeAsync(request);

        var pixels = VaeImageProcessor.Preprocess(PngDecoder.Decode(Png(32, 24)));
        var (mean, logVar, shape) = new StandInVae().Encode(pixels, [1, 3, 24, 32], false);
        Assert.Equal(shape, response.Mean.Shape);
        Assert.Equal(mean, Tensors.ToFloats(response.Mean));
        Assert.Equal(logVar.Select(v => MathF.Exp(0.5f * v)), Tensors.ToFloats(response.Std));
        Assert.Null(response.Latents);
    }

    [Fact]
    public async Task Encode_Sample_DrawsAfterTheReplayedDrawsAndScales()
    {
        var plain = new EncodeImageRequest { Mode = EncodeMode.Sample, Seed = 5 };
        plain.Png.Add(ByteString.CopyFrom(Png(32, 32)));
        var replayed = plain.Clone();
        replayed.RngDrawsBefore.Add(new TensorShape { Dims = { 1, 4, 4, 4 } });

        var first = Tensors.ToFloats((await EncodeAsync(plain)).Latents);
        var second = Tensors.ToFloats((await EncodeAsync(replayed)).Latents);

        var (mean, logVar, _) = new StandInVae().Encode(VaeImageProcessor.Preprocess(PngDecoder.Decode(Png(32, 32))), [1, 3, 32, 32], false);
        var source = new SeededNoiseFactory().Create(5);
        var noise0 = new float[mean.Length];
        var noise1 = new float[mean.Length];
        source.Randn(noise0, [1, 4, 4, 4]);
        source.Randn(noise1, [1, 4, 4, 4]);
        Assert.Equal(LatentDistribution.ScaledSample(mean, logVar, noise0, Scaling), first);
        Assert.Equal(LatentDistribution.ScaledSample(mean, logVar, noise1, Scaling), second);
    }

    [Fact]
    public async Task Encode_MeanOfRawU8AndOfGrayPng_EqualTheRgbPngs()
    {
        var rgb = Pixels(16, 16, 3, 1);
        var gray = Pixels(16, 16, 1, 2);
        var grayAsRgb = gray.SelectMany(v => new[] { v, v, v }).ToArray();
        var fromPng = new EncodeImageRequest { Mode = EncodeMode.Mean };
        fromPng.Png.Add(ByteString.CopyFrom(PngEncoder.Encode(rgb, 16, 16, 3)));
        fromPng.Png.Add(ByteString.CopyFrom(PngEncoder.Encode(gray, 16, 16, 1)));
        var fromRaw = new EncodeImageRequest { Mode = EncodeMode.Mean, Raw = Tensors.FromBytes([.. rgb, .. grayAsRgb], 2, 16, 16, 3) };

        var png = Tensors.ToFloats((await EncodeAsync(fromPng)).Latents);
        var raw = Tensors.ToFloats((await EncodeAsync(fromRaw)).Latents);

        Assert.Equal(raw, png);
        var (mean, _, _) = new StandInVae().Encode(VaeImageProcessor.Preprocess(
            [new Image(16, 16, 3, rgb), new Image(16, 16, 3, grayAsRgb)]), [2, 3, 16, 16], false);
        Assert.Equal(LatentDistribution.ScaledMode(mean, Scaling), png);
    }

    [Fact]
    public async Task Describe_ReportsTheVae()
    {
        var description = (await Service.Calls.UnaryAsync(VaeCodecMethods.Describe, new DescribeRequest())).Response;
        Assert.Equal("stand-in-vae", description.Model);
        Assert.Equal(0.18215, description.ScalingFactor);
        Assert.Equal(4, description.LatentChannels);
        Assert.Equal(8, description.DownscaleFactor);
    }

    public static TheoryData<string> BadEncodeNames => new(BadEncodes.Keys);

    private static readonly Dictionary<string, (Func<EncodeImageRequest> Request, string Field)> BadEncodes = new()
    {
        ["no image"] = (() => new EncodeImageRequest(), "png"),
        ["png and raw"] = (() => new EncodeImageRequest { Png = { ByteString.CopyFrom(Png(16, 16)) }, Raw = Tensors.FromBytes(new byte[768], 1, 16, 16, 3) }, "png"),
        ["not a png"] = (() => new EncodeImageRequest { Png = { ByteString.CopyFromUtf8("GIF89a, certainly not a PNG") } }, "png[0]"),
        ["truncated png"] = (() => new EncodeImageRequest { Png = { ByteString.CopyFrom(Png(16, 16).AsSpan(0, 40).ToArray()) } }, "png[0]"),
        ["size not a multiple of 8"] = (() => new EncodeImageRequest { Png = { ByteString.CopyFrom(Png(20, 16)) } }, "png"),
        ["mixed sizes"] = (() => new EncodeImageRequest { Png = { ByteString.CopyFrom(Png(16, 16)), ByteString.CopyFrom(Png(24, 16)) } }, "png[1]"),
        ["image too large"] = (() => new EncodeImageRequest { Png = { ByteString.CopyFrom(Png(8, 4096, 1)) } }, "png[0]"),
        ["sample without seed"] = (() => new EncodeImageRequest { Mode = EncodeMode.Sample, Png = { ByteString.CopyFrom(Png(16, 16)) } }, "seed"),
        ["huge replayed draw"] = (() => new EncodeImageRequest { Mode = EncodeMode.Sample, Seed = 1, Png = { ByteString.CopyFrom(Png(16, 16)) },
            RngDrawsBefore = { new TensorShape { Dims = { 1 << 20, 1 << 10 } } } }, "rng_draws_before[0]"),
        ["raw U8 with alpha"] = (() => new EncodeImageRequest { Raw = Tensors.FromBytes(new byte[1024], 1, 16, 16, 4) }, "raw"),
        ["raw F32 out of range"] = (() => new EncodeImageRequest { Raw = Tensors.FromFloats(Enumerable.Repeat(1.5f, 768).ToArray(), 1, 3, 16, 16) }, "raw"),
        ["raw F32 with NaN"] = (() => new EncodeImageRequest { Raw = Tensors.FromFloats(Enumerable.Repeat(float.NaN, 768).ToArray(), 1, 3, 16, 16) }, "raw"),
        ["raw bytes short"] = (() => new EncodeImageRequest { Raw = new Tensor { Dtype = DType.U8, Shape = { 1, 16, 16, 3 }, Data = ByteString.CopyFrom(new byte[10]) } }, "raw"),
    };

    [Theory]
    [MemberData(nameof(BadEncodeNames))]
    public async Task Encode_BadInput_InvalidArgumentNamingTheField(string name)
    {
        var (request, field) = BadEncodes[name];

        var error = await RunningService.FailsAsync(() => EncodeAsync(request()));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith(field + ":", error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("3 channels", 1, 3, 4, "latents")]
    [InlineData("too many images", 17, 4, 4, "latents")]
    [InlineData("too large", 1, 4, 300, "latents")]
    public async Task Decode_BadLatents_InvalidArgument(string name, int n, int channels, int side, string field)
    {
        _ = name;
        var error = await RunningService.FailsAsync(() => DecodeAsync(new DecodeRequest { Latents = Latents(n, channels, side) }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith(field + ":", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decode_NaNLatents_InvalidArgument()
    {
        var values = Tensors.ToFloats(Latents(1));
        values[3] = float.NaN;

        var error = await RunningService.FailsAsync(() => DecodeAsync(new DecodeRequest { Latents = Tensors.FromFloats(values, 1, 4, 4, 4) }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("latents", error.Detail, StringComparison.Ordinal);
    }
}
