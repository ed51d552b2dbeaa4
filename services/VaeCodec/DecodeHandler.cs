using Diffusion.Contracts;
using Diffusion.Contracts.V1;
using Diffusion.Grpc.Server;
using Diffusion.Hosting;
using Diffusion.Imaging;
using Diffusion.ServiceDefaults.Telemetry;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace Diffusion.VaeCodec;

/// <summary>VaeCodec.Decode: diffusers' <c>vae.decode(latents / scaling_factor)</c> then
/// <c>VaeImageProcessor.postprocess</c> (<c>(x / 2 + 0.5).clamp(0, 1)</c>), as PNGs (our encoder),
/// raw U8 NHWC (<c>numpy_to_pil</c>'s rounding) or raw F32 NHWC in [0, 1] (<c>output_type="np"</c>).</summary>
internal sealed class DecodeHandler(ModelSlot<VaeRuntime> slot, IOptions<RequestLimits> limits, IOptions<VaeCodecOptions> options,
    DiffusionMetrics? metrics = null)
{
    public async Task<DecodeResponse> HandleAsync(DecodeRequest request, ServerCallContext context)
    {
        var runtime = slot.Get();
        var info = runtime.Model.Info;
        var max = limits.Value;
        var (latents, shape) = RequestTensors.ReadFloats(request.Latents, "latents", 4);
        if (shape[0] > max.MaxImages)
            throw new TensorValidationException("latents", $"holds {shape[0]} images, over the limit of {max.MaxImages}");
        if (shape[1] != info.LatentChannels)
            throw new TensorValidationException("latents", $"has {shape[1]} channels but the VAE has {info.LatentChannels}");
        if (shape[2] > max.MaxLatentSize || shape[3] > max.MaxLatentSize)
            throw new TensorValidationException("latents", $"latent size {shape[2]}x{shape[3]} is over the limit of {max.MaxLatentSize}");
        if (!Enum.IsDefined(request.Format))
            throw new ArgumentException($"format: {(int)request.Format} is not an ImageFormat");

        using var span = DiffusionActivitySources.VaeCodec.StartActivity(DiffusionSpanNames.VaeDecode);
        int batch = (int)shape[0];
        int height = checked((int)shape[2] * info.DownscaleFactor), width = checked((int)shape[3] * info.DownscaleFactor);
        span?.SetTag(DiffusionTags.BatchSize, batch);
        span?.SetTag(DiffusionTags.ImageHeight, height);
        span?.SetTag(DiffusionTags.ImageWidth, width);

        // latents / scaling_factor in float32, as the pipeline divides a float32 tensor by the config value.
        float scaling = (float)info.ScalingFactor;
        var scaled = new float[latents.Length];
        for (int i = 0; i < scaled.Length; i++) scaled[i] = latents[i] / scaling;
        bool tiled = options.Value.Tiled(request.Tiled, shape[2], shape[3]);
        span?.SetTag("diffusion.vae.tiled", tiled);
        var decoded = await runtime.RunAsync(() => runtime.Model.Decode(scaled, shape, tiled, context.CancellationToken),
            context.CancellationToken).ConfigureAwait(false);
        if (decoded.Length != (long)batch * 3 * height * width)
            throw new InvalidOperationException($"the VAE decoded {decoded.Length} values for {batch} images of {width}x{height}");

        var nhwc = VaeImageProcessor.Postprocess(decoded, batch, 3, height, width);
        var response = new DecodeResponse();
        switch (request.Format)
        {
            case ImageFormat.Png:
                foreach (var image in VaeImageProcessor.ToImages(nhwc, batch, height, width, 3))
                    response.Png.Add(ByteString.CopyFrom(PngEncoder.Encode(image)));
                break;
            case ImageFormat.RawU8:
                response.Raw = Tensors.FromBytes(VaeImageProcessor.Quantize(nhwc), batch, height, width, 3);
                break;
            default:
                response.Raw = Tensors.FromFloats(nhwc, batch, height, width, 3);
                break;
        }
        metrics?.AddImagesGenerated(batch);
        return response;
    }
}
