using Diffusion.Contracts;
using Diffusion.Contracts.V1;
using Diffusion.Grpc.Server;
using Diffusion.Hosting;
using Diffusion.Pipelines.Generation;
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
        var (pixels, shape) = ImageInputs.Read(request, info, limits.Value);
        long latentElements = shape[0] * info.LatentChannels * (shape[2] / info.DownscaleFactor) * (shape[3] / info.DownscaleFactor);
        if (request.RngDrawsBefore.Count > 0 && !request.HasSeed)
            throw new ArgumentException("seed: is required to replay rng_draws_before");
        var draws = ReplayedDraws.Read(request.RngDrawsBefore, "rng_draws_before", latentElements);

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

    private static long Product(long[] shape)
    {
        long p = 1;
        foreach (var d in shape) p *= d;
        return p;
    }
}
