using Diffusion.Contracts;
using Diffusion.Contracts.V1;
using Diffusion.Grpc.Server;
using Diffusion.Hosting;
using Diffusion.Imaging;
using Diffusion.Pipelines.Generation;
using Diffusion.Pipelines.Models;
using Diffusion.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Options;

namespace Diffusion.VaeCodec;

/// <summary>VaeCodec.Encode: images (PNG, or raw U8 NHWC / F32 NCHW in [-1, 1]) through diffusers'
/// <c>VaeImageProcessor.preprocess</c> and <c>vae.encode</c>, answered as the latent distribution,
/// a seeded scaled sample (<c>latent_dist.sample(generator)</c> after the replayed draws) or the scaled mean.</summary>
internal sealed class EncodeHandler(ModelSlot<VaeRuntime> slot, IOptions<RequestLimits> limits, IOptions<VaeCodecOptions> options)
{
    public async Task<EncodeImageResponse> HandleAsync(EncodeImageRequest request, ServerCallContext context)
    {
        var runtime = slot.Get();
        var info = runtime.Model.Info;
        if (!Enum.IsDefined(request.Mode))
            throw new ArgumentException($"mode: {(int)request.Mode} is not an EncodeMode");
        if (request.Mode == EncodeMode.Sample && !request.HasSeed)
            throw new ArgumentException("seed: is required for ENCODE_MODE_SAMPLE");
        var (pixels, shape) = ReadImages(request, info);
        long latentElements = shape[0] * info.LatentChannels * (shape[2] / info.DownscaleFactor) * (shape[3] / info.DownscaleFactor);
        var draws = ReadDraws(request, latentElements * MaxDrawToLatentRatio);

        bool tiled = options.Value.Tiled(false, shape[2] / info.DownscaleFactor, shape[3] / info.DownscaleFactor);
        using var span = DiffusionActivitySources.VaeCodec.StartActivity(DiffusionSpanNames.VaeEncode);
        span?.SetTag("diffusion.vae.tiled", tiled);
        span?.SetTag(DiffusionTags.BatchSize, shape[0]);
        span?.SetTag(DiffusionTags.ImageHeight, shape[2]);
        span?.SetTag(DiffusionTags.ImageWidth, shape[3]);
        var (mean, logVar, latentShape) = await runtime.RunAsync(
            () => runtime.Model.Encode(pixels, shape, tiled, context.CancellationToken), context.CancellationToken).ConfigureAwait(false);
        if (mean.Length != logVar.Length || mean.Length != Product(latentShape))
            throw new InvalidOperationException($"the VAE encoded {mean.Length} means and {logVar.Length} log-variances for shape [{string.Join(", ", latentShape)}]");

        float scaling = (float)info.ScalingFactor;
        var response = new EncodeImageResponse();
        switch (request.Mode)
        {
            case EncodeMode.Distribution:
            {
                // DiagonalGaussianDistribution: std = exp(0.5 * clamp(logvar, -30, 20))
                var std = new float[logVar.Length];
                for (int i = 0; i < std.Length; i++) std[i] = MathF.Exp(0.5f * Math.Clamp(logVar[i], -30f, 20f));
                response.Mean = Tensors.FromFloats(mean, latentShape);
                response.Std = Tensors.FromFloats(std, latentShape);
                break;
            }
            case EncodeMode.Sample:
            {
                // One torch.randn(mean.shape, generator) after the draws the caller's pipeline made first.
                var source = runtime.Noise.Create(request.Seed);
                foreach (var draw in draws) source.Randn(new float[Product(draw)], draw);
                var noise = new float[mean.Length];
                source.Randn(noise, latentShape);
                response.Latents = Tensors.FromFloats(LatentDistribution.ScaledSample(mean, logVar, noise, scaling), latentShape);
                break;
            }
            default:
                response.Latents = Tensors.FromFloats(LatentDistribution.ScaledMode(mean, scaling), latentShape);
                break;
        }
        return response;
    }

    /// <summary>The images as [B, 3, H, W] in [-1, 1], checked against the limits and the downscale factor.</summary>
    private (float[] Pixels, long[] Shape) ReadImages(EncodeImageRequest request, VaeInfo info)
    {
        var max = limits.Value;
        int maxSide = max.MaxLatentSize * info.DownscaleFactor;
        bool hasPng = request.Png.Count > 0, hasRaw = request.Raw is not null;
        if (hasPng == hasRaw)
            throw new ArgumentException(hasPng ? "png: give either png or raw, not both" : "png: an image is required (png or raw)");
        float[] pixels;
        int batch, height, width;
        if (hasPng)
        {
            if (request.Png.Count > max.MaxImages)
                throw new ArgumentException($"png: {request.Png.Count} images, over the limit of {max.MaxImages}");
            var decodeLimits = new PngDecodeLimits(maxSide, maxSide, (long)maxSide * maxSide);
            var images = new List<Image>(request.Png.Count);
            for (int i = 0; i < request.Png.Count; i++)
            {
                try
                {
                    images.Add(PngDecoder.Decode(request.Png[i].Span, decodeLimits));
                }
                catch (ImageFormatException e)
                {
                    throw new ArgumentException($"png[{i}]: {e.Message}");
                }
                if (images[i].Width != images[0].Width || images[i].Height != images[0].Height)
                    throw new ArgumentException($"png[{i}]: is {images[i].Width}x{images[i].Height} but png[0] is {images[0].Width}x{images[0].Height}; a batch needs one size");
            }
            (batch, height, width) = (images.Count, images[0].Height, images[0].Width);
            CheckSize(height, width, info.DownscaleFactor, maxSide, "png");
            pixels = VaeImageProcessor.Preprocess(images);
        }
        else
        {
            var raw = request.Raw!;
            TensorValidation.Validate(raw, "raw", null, 4, [DType.U8, DType.F32, DType.F16, DType.Bf16]);
            var shape = Tensors.Shape(raw);
            if (shape[0] < 1 || shape[0] > max.MaxImages)
                throw new TensorValidationException("raw", $"holds {shape[0]} images; 1 to {max.MaxImages} are accepted");
            if (raw.Dtype == DType.U8)
            {
                if (shape[3] != 3)
                    throw new TensorValidationException("raw", $"U8 images must be [B, H, W, 3], got {TensorValidation.FormatShape(raw)}");
                (batch, height, width) = ((int)shape[0], (int)shape[1], (int)shape[2]);
                CheckSize(height, width, info.DownscaleFactor, maxSide, "raw");
                int perImage = height * width * 3;
                var bytes = raw.Data.Span;
                var images = new List<Image>(batch);
                for (int b = 0; b < batch; b++)
                    images.Add(new Image(width, height, 3, bytes.Slice(b * perImage, perImage).ToArray()));
                pixels = VaeImageProcessor.Preprocess(images);
            }
            else
            {
                if (shape[1] != 3)
                    throw new TensorValidationException("raw", $"float images must be [B, 3, H, W], got {TensorValidation.FormatShape(raw)}");
                (batch, height, width) = ((int)shape[0], (int)shape[2], (int)shape[3]);
                CheckSize(height, width, info.DownscaleFactor, maxSide, "raw");
                (pixels, _) = RequestTensors.ReadFloats(raw, "raw", 4);
                foreach (var v in pixels)
                {
                    if (v < -1f || v > 1f)
                        throw new TensorValidationException("raw", $"value {v} is outside [-1, 1]");
                }
            }
        }
        return (pixels, [batch, 3, height, width]);
    }

    private static void CheckSize(int height, int width, int factor, int maxSide, string field)
    {
        if (height < 1 || width < 1 || height > maxSide || width > maxSide)
            throw new ArgumentException($"{field}: {width}x{height} is outside 1..{maxSide} pixels per side");
        if (height % factor != 0 || width % factor != 0)
            throw new ArgumentException($"{field}: {width}x{height} is not a multiple of the VAE's downscale factor {factor}");
    }

    /// <summary>Replayed draws are what the caller's pipeline drew before: a few latent-sized
    /// tensors. Bounds keep a request from asking for gigabytes of throw-away noise.</summary>
    private const int MaxReplayedDraws = 16;
    private const int MaxDrawToLatentRatio = 16;

    private static List<long[]> ReadDraws(EncodeImageRequest request, long maxElements)
    {
        if (request.RngDrawsBefore.Count > 0 && !request.HasSeed)
            throw new ArgumentException("seed: is required to replay rng_draws_before");
        if (request.RngDrawsBefore.Count > MaxReplayedDraws)
            throw new ArgumentException($"rng_draws_before: {request.RngDrawsBefore.Count} draws given, the limit is {MaxReplayedDraws}");
        var draws = new List<long[]>();
        for (int i = 0; i < request.RngDrawsBefore.Count; i++)
        {
            var dims = request.RngDrawsBefore[i].Dims;
            long elements = 1;
            foreach (var d in dims)
            {
                if (d < 1 || d > TensorLimits.Default.MaxDimension)
                    throw new ArgumentException($"rng_draws_before[{i}]: dimension {d} is not in [1, {TensorLimits.Default.MaxDimension}]");
                elements *= d;
                if (elements > maxElements)
                    throw new ArgumentException($"rng_draws_before[{i}]: more than {maxElements} elements ({MaxDrawToLatentRatio} x the request's latents)");
            }
            if (dims.Count == 0)
                throw new ArgumentException($"rng_draws_before[{i}]: a shape needs at least one dimension");
            draws.Add([.. dims]);
        }
        return draws;
    }

    private static long Product(long[] shape)
    {
        long p = 1;
        foreach (var d in shape) p *= d;
        return p;
    }
}
