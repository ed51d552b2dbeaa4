using System.Diagnostics;
using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Diffusion.Gateway.Downstream;
using Diffusion.Gateway.Readiness;
using Diffusion.Gateway.Telemetry;
using Diffusion.Grpc;
using Diffusion.Imaging;
using Diffusion.ServiceDefaults.Telemetry;

namespace Diffusion.Gateway.Generation;

/// <summary>
/// The stages of one generation, mirroring diffusers' StableDiffusion(Img2Img|Inpaint)Pipeline
/// split over the services: encode the prompts (one call, negative first), encode the init image
/// (img2img, inpainting), denoise (streamed, failing over), decode. diffusers draws all randomness
/// from one generator; here each service seeds its own with the request's seed and replays the
/// draws made elsewhere before its own (<c>rng_draws_before*</c>), so the streams match.
/// </summary>
internal sealed class GenerationPipeline(DownstreamSet downstreams)
{
    private readonly DenoiseRunner _denoiser = new(downstreams.Denoiser);

    public async Task<GenerateResponse> RunAsync(GenerationPlan plan, DownstreamDescriptions models, DateTime deadline,
        Func<Progress, Task>? onProgress, CancellationToken cancellationToken)
    {
        var timings = new StageTimings();
        int n = plan.NumImages;
        int channels = models.LatentChannels;
        long[] latentShape = [n, channels, plan.LatentHeight, plan.LatentWidth];

        var (cond, uncond, truncated) = await EncodePromptsAsync(plan, models, deadline, timings, cancellationToken).ConfigureAwait(false);
        var request = new DenoiseRequest
        {
            RequestId = Activity.Current?.TraceId.ToHexString() ?? Guid.NewGuid().ToString("N"),
            CondEmbeddings = cond,
            UncondEmbeddings = uncond,
            GuidanceScale = plan.GuidanceScale,
            Scheduler = plan.Scheduler,
            Steps = plan.Steps,
            Seed = plan.Seed,
            LatentHeight = plan.LatentHeight,
            LatentWidth = plan.LatentWidth,
            NumImagesPerPrompt = n,
            InitialLatents = plan.Latents,
            Strength = plan.Strength,
            // A checkpoint after every step: a failover loses no step.
            CheckpointEvery = 1,
        };
        foreach (var (key, value) in plan.SchedulerOptions)
            request.SchedulerOptions[key] = value;
        if (plan.InitImage is not null)
            await PrepareImageInputsAsync(plan, models, request, deadline, timings, cancellationToken).ConfigureAwait(false);

        DenoiseOutcome outcome;
        var watch = Stopwatch.StartNew();
        using (var span = GatewayTelemetry.StartStage(DiffusionSpanNames.Denoise))
        {
            span?.SetTag(DiffusionTags.StepCount, plan.Steps);
            span?.SetTag(DiffusionTags.Scheduler, plan.Scheduler);
            outcome = await _denoiser.RunAsync(request, deadline, onProgress, cancellationToken).ConfigureAwait(false);
            span?.SetTag(GatewayTelemetry.FailoversTag, outcome.Failovers);
        }
        timings.DenoiseMs = watch.Elapsed.TotalMilliseconds;
        timings.QueueMs = outcome.Result.QueueMs;
        if (TensorBatch.Check(outcome.Result.Latents, "the denoiser's final latents", latentShape) is { } bad)
            throw Contract("denoiser", bad);

        var response = await DecodeAsync(plan, outcome.Result.Latents, deadline, timings, cancellationToken).ConfigureAwait(false);
        response.Seeds.Add(Enumerable.Repeat(plan.Seed, n));
        response.Timings = timings;
        response.PromptTruncated = truncated;
        response.Failovers = outcome.Failovers;
        if (plan.RawOutput)
            response.FinalLatents = outcome.Result.Latents;
        return response;
    }

    /// <summary>TextEncoder.Encode of [negative, prompt] (guidance) or [prompt], in one call, split into rows.</summary>
    private async Task<(Tensor Cond, Tensor? Uncond, bool Truncated)> EncodePromptsAsync(GenerationPlan plan, DownstreamDescriptions models,
        DateTime deadline, StageTimings timings, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        using var span = GatewayTelemetry.StartStage(DiffusionSpanNames.EncodeText);
        // diffusers encode_prompt: with guidance the negative prompt is encoded as text, "" included
        // (not zeros), and rows are ordered [negative, positive].
        var encode = new EncodeTextRequest { ClipSkip = plan.ClipSkip, ChunkLongPrompts = plan.ChunkLongPrompts };
        if (plan.UsesGuidance)
            encode.Prompts.Add(plan.NegativePrompt);
        encode.Prompts.Add(plan.Prompt);
        var response = await downstreams.TextEncoder.UnaryAsync(TextEncoderMethods.Encode, encode, deadline, cancellationToken).ConfigureAwait(false);
        timings.EncodeMs = watch.Elapsed.TotalMilliseconds;

        int rows = encode.Prompts.Count;
        if (TensorBatch.Check(response.HiddenStates, "the text encoder's hidden_states", rows, -1, models.Denoiser.CrossAttentionDim) is { } bad)
            throw Contract($"text encoder '{models.Encoder.Name}'", bad);
        var hidden = response.HiddenStates;
        // L is the encoder's max_tokens, or a multiple of it when long prompts are chunked.
        if (hidden.Shape[1] % models.Encoder.MaxTokens != 0)
            throw Contract($"text encoder '{models.Encoder.Name}'",
                $"{hidden.Shape[1]} positions per prompt, not a multiple of its {models.Encoder.MaxTokens} max_tokens");
        var cond = TensorBatch.Slice(hidden, rows - 1, 1);
        var uncond = plan.UsesGuidance ? TensorBatch.Slice(hidden, 0, 1) : null;
        return (cond, uncond, response.Truncated.Any(t => t));
    }

    /// <summary>
    /// img2img and inpainting inputs, with the VAE's random draws in diffusers' order: the init
    /// image's latent sample first (before the initial noise), the masked image's after it.
    /// </summary>
    private async Task PrepareImageInputsAsync(GenerationPlan plan, DownstreamDescriptions models, DenoiseRequest request,
        DateTime deadline, StageTimings timings, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        using var span = GatewayTelemetry.StartStage(DiffusionSpanNames.VaeEncode);
        int n = plan.NumImages;
        int channels = models.LatentChannels;
        long[] drawShape = [1, channels, plan.LatentHeight, plan.LatentWidth];
        var drawsSoFar = new List<TensorShape>();

        // diffusers prepare_latents: img2img always encodes the image; inpainting does for a
        // 4-channel UNet (it blends the image latents back each step) and, with a 9-channel UNet,
        // only when it noises the image (strength < 1, no latents given).
        bool encodeImage = plan.IsImageToImage
            || (plan.IsInpainting && (!models.IsInpaintingUNet || (plan.Latents is null && plan.Strength < 1f)));
        if (encodeImage)
        {
            var encode = new EncodeImageRequest { Mode = EncodeMode.Sample, Seed = plan.Seed };
            encode.Png.Add(Google.Protobuf.ByteString.CopyFrom(plan.InitImagePng));
            var encoded = await downstreams.VaeCodec.UnaryAsync(VaeCodecMethods.Encode, encode, deadline, cancellationToken).ConfigureAwait(false);
            if (TensorBatch.Check(encoded.Latents, "the VAE's image latents", drawShape) is { } bad)
                throw Contract("VAE codec", bad);
            // latent_dist.sample drew noise of the latents' shape from the generator before anything else.
            drawsSoFar.Add(TensorBatch.ShapeOf(drawShape));
            request.RngDrawsBeforeNoise.Add(TensorBatch.ShapeOf(drawShape));
            request.ImageLatents = TensorBatch.Repeat(encoded.Latents, n);
        }

        if (plan.IsInpainting)
        {
            // The initial noise [N, C, h, w] is drawn unless latents were given.
            if (plan.Latents is null)
                drawsSoFar.Add(TensorBatch.ShapeOf(n, channels, plan.LatentHeight, plan.LatentWidth));
            request.Mask = InpaintInputs.LatentMask(plan.Mask!, plan.LatentHeight, plan.LatentWidth, n);
            if (models.IsInpaintingUNet)
            {
                var encode = new EncodeImageRequest
                {
                    Raw = InpaintInputs.MaskedImage(plan.InitImage!, plan.Mask!),
                    Mode = EncodeMode.Sample,
                    Seed = plan.Seed,
                };
                encode.RngDrawsBefore.Add(drawsSoFar);
                var encoded = await downstreams.VaeCodec.UnaryAsync(VaeCodecMethods.Encode, encode, deadline, cancellationToken).ConfigureAwait(false);
                if (TensorBatch.Check(encoded.Latents, "the VAE's masked image latents", drawShape) is { } bad)
                    throw Contract("VAE codec", bad);
                request.MaskedImageLatents = TensorBatch.Repeat(encoded.Latents, n);
            }
            // prepare_mask_latents samples the masked image's latents whatever the UNet: a 4-channel
            // UNet never reads them, so they are not computed, but the draw is replayed so later
            // step noise (stochastic schedulers) stays in diffusers' order.
            request.RngDrawsAfterNoise.Add(TensorBatch.ShapeOf(drawShape));
        }

        timings.VaeEncodeMs = watch.Elapsed.TotalMilliseconds;
    }

    /// <summary>VaeCodec.Decode: PNGs, or with raw_output the F32 image (quantized and encoded here,
    /// as diffusers' numpy_to_pil does, so one decode serves both).</summary>
    private async Task<GenerateResponse> DecodeAsync(GenerationPlan plan, Tensor latents, DateTime deadline, StageTimings timings,
        CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        using var span = GatewayTelemetry.StartStage(DiffusionSpanNames.VaeDecode);
        var decode = new DecodeRequest { Latents = latents, Format = plan.RawOutput ? ImageFormat.RawF32 : ImageFormat.Png };
        var decoded = await downstreams.VaeCodec.UnaryAsync(VaeCodecMethods.Decode, decode, deadline, cancellationToken).ConfigureAwait(false);
        var response = new GenerateResponse();
        if (plan.RawOutput)
        {
            if (TensorBatch.Check(decoded.Raw, "the VAE's raw image", plan.NumImages, plan.Height, plan.Width, 3) is not null
                || decoded.Raw.Dtype != DType.F32)
                throw Contract("VAE codec", "the raw image must be F32 [N, H, W, 3]");
            var images = VaeImageProcessor.ToImages(Contracts.Tensors.ToFloats(decoded.Raw), plan.NumImages, plan.Height, plan.Width, 3);
            response.Images.Add(images.Select(i => Google.Protobuf.ByteString.CopyFrom(PngEncoder.Encode(i))));
            response.RawImage = decoded.Raw;
        }
        else
        {
            if (decoded.Png.Count != plan.NumImages)
                throw Contract("VAE codec", $"decoded {decoded.Png.Count} PNGs for {plan.NumImages} latents");
            response.Images.Add(decoded.Png);
        }
        timings.DecodeMs = watch.Elapsed.TotalMilliseconds;
        return response;
    }

    /// <summary>A downstream answered OK with something that breaks the contract.</summary>
    private static RpcException Contract(string service, string problem) =>
        new(new Status(StatusCode.Internal, $"The {service} returned a malformed answer: {problem}."));
}
