using Diffusion.Imaging;
using Diffusion.Pipelines.Denoising;
using Diffusion.Pipelines.Models;
using Diffusion.Schedulers;

namespace Diffusion.Pipelines.Generation;

/// <summary>
/// Text-to-image in one process: diffusers' StableDiffusionPipeline, StableDiffusionImg2ImgPipeline
/// and StableDiffusionInpaintPipeline (0.27) over the model interfaces. The services split exactly
/// these stages (TextEncoder, VaeCodec encode, Denoiser, VaeCodec decode) and draw randomness in the
/// same order, so a generation through the four processes equals this one bit for bit.
/// </summary>
public sealed class StableDiffusionPipeline : IDisposable
{
    private readonly ITextEncoderModel _textEncoder;
    private readonly IUNetModel _unet;
    private readonly IVaeModel _vae;
    private readonly SchedulerConfig _schedulerConfig;
    private readonly INoiseSourceFactory _noise;
    private readonly DenoiseEngine _engine;

    /// <summary>Creates a pipeline over loaded models; it does not own them.</summary>
    public StableDiffusionPipeline(ITextEncoderModel textEncoder, IUNetModel unet, IVaeModel vae, SchedulerConfig schedulerConfig,
        INoiseSourceFactory noise)
    {
        _textEncoder = textEncoder;
        _unet = unet;
        _vae = vae;
        _schedulerConfig = schedulerConfig;
        _noise = noise;
        _engine = new DenoiseEngine(unet, new DenoiseEngineOptions { MaxActiveJobs = 1, QueueCapacity = 4 });
    }

    /// <summary>Runs a generation. <paramref name="onStep"/> is called after every denoising step (on the engine's thread).</summary>
    /// <exception cref="ArgumentException">The request is invalid (the message names the argument).</exception>
    public async Task<GenerationResult> GenerateAsync(GenerationRequest request, Action<StepInfo>? onStep = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        int factor = _vae.Info.DownscaleFactor;
        Validate(request, factor);
        int b = request.Prompts.Count, n = request.NumImages;
        int h = request.Height / factor, w = request.Width / factor;
        int channels = _vae.Info.LatentChannels;
        float scaling = (float)_vae.Info.ScalingFactor;
        bool guidance = request.GuidanceScale > 1f;

        // encode_prompt: [negatives..., prompts...] in one batch with guidance, the prompts alone
        // without; each row then repeated per image (prompt_embeds.repeat(1, n, 1).view(b * n, L, D)).
        var negatives = request.NegativePrompts ?? Enumerable.Repeat("", b).ToArray();
        var prompts = guidance ? [.. negatives, .. request.Prompts] : request.Prompts.ToArray();
        var encoded = _textEncoder.Encode(prompts, request.ClipSkip, request.ChunkLongPrompts, cancellationToken);
        int length = (int)encoded.HiddenShape[1], dim = (int)encoded.HiddenShape[2];
        int rowSize = length * dim;
        int condStart = guidance ? b : 0;
        float[] cond = RepeatRows(encoded.HiddenStates.AsSpan(condStart * rowSize, b * rowSize), b, n);
        float[]? uncond = guidance ? RepeatRows(encoded.HiddenStates.AsSpan(0, b * rowSize), b, n) : null;
        n *= b;

        var (stepOptions, overrides) = SchedulerOptions.Split(request.SchedulerOptions);
        var scheduler = SchedulerFactory.Create(request.Scheduler, _schedulerConfig, overrides);
        var spec = new DenoiseSpec
        {
            Count = n,
            LatentChannels = channels,
            LatentHeight = h,
            LatentWidth = w,
            Cond = cond,
            Uncond = uncond,
            SequenceLength = length,
            EmbeddingDim = dim,
            GuidanceScale = request.GuidanceScale,
            Steps = request.Steps,
            StepOptions = stepOptions,
            Seed = request.Seed,
            InitialLatents = request.Latents,
            Strength = request.Strength,
        };
        if (request.InitImage is not null)
            spec = PrepareImageInputs(request, spec, channels, h, w, scaling, cancellationToken);

        var job = new DenoiseJob(spec, scheduler, _noise, _unet.Info.InChannels);
        var observer = new Completion(onStep);
        _engine.Submit(job, observer, cancellationToken);
        await observer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);

        float[] latents = job.Latents.ToArray();
        long[] shape = spec.LatentShape;
        var scaled = new float[latents.Length];
        for (int i = 0; i < scaled.Length; i++) scaled[i] = latents[i] / scaling;
        float[] decoded = _vae.Decode(scaled, shape, tiled: false, cancellationToken);
        float[] image = VaeImageProcessor.Postprocess(decoded, n, 3, request.Height, request.Width);
        return new GenerationResult(image, latents, shape, job.Timesteps, encoded.Truncated.Any(t => t));
    }

    /// <summary>img2img and inpainting inputs, with the VAE's random draws in diffusers' order: the
    /// init image's latent sample first (before the initial noise), the masked image's after it.</summary>
    private DenoiseSpec PrepareImageInputs(GenerationRequest request, DenoiseSpec spec, int channels, int h, int w, float scaling,
        CancellationToken cancellationToken)
    {
        var init = request.InitImage!;
        long[] drawShape = [1, channels, h, w];
        var before = new List<long[]>();
        var after = new List<long[]>();
        bool inpainting = request.Mask is not null;
        bool nineChannel = _unet.Info.InChannels == 9;
        // prepare_latents: img2img always encodes the image; inpainting does for a 4-channel UNet
        // (it blends the image latents back each step) and, with a 9-channel UNet, only when it
        // noises the image (strength < 1, no latents given).
        bool encodeImage = !inpainting || !nineChannel || (request.Latents is null && request.Strength < 1f);
        float[]? imageLatents = null;
        if (encodeImage)
        {
            var pixels = VaeImageProcessor.Preprocess(init);
            var noise = new float[channels * h * w];
            _noise.Create(request.Seed).Randn(noise, drawShape);
            var (mean, logVar, _) = _vae.Encode(pixels, [1, 3, request.Height, request.Width], tiled: false, cancellationToken);
            imageLatents = Repeat(LatentDistribution.ScaledSample(mean, logVar, noise, scaling), spec.Count);
            before.Add(drawShape);
        }

        float[]? mask = null;
        float[]? maskedImageLatents = null;
        if (inpainting)
        {
            var drawsSoFar = new List<long[]>(before);
            if (request.Latents is null)
                drawsSoFar.Add([spec.Count, channels, h, w]);
            var binary = MaskProcessor.Preprocess(request.Mask!);
            mask = Repeat(MaskProcessor.ToLatentSize(binary, 1, request.Mask!.Height, request.Mask.Width, h, w), spec.Count);
            if (nineChannel)
            {
                var masked = VaeImageProcessor.Preprocess(init);
                int plane = init.Width * init.Height;
                for (int c = 0; c < 3; c++)
                    for (int i = 0; i < plane; i++)
                        masked[c * plane + i] *= binary[i] < 0.5f ? 1f : 0f;
                var source = new CountingNoiseSource(_noise.Create(request.Seed));
                foreach (var shape in drawsSoFar) source.Randn(new float[Product(shape)], shape);
                var noise = new float[channels * h * w];
                source.Randn(noise, drawShape);
                var (mean, logVar, _) = _vae.Encode(masked, [1, 3, request.Height, request.Width], tiled: false, cancellationToken);
                maskedImageLatents = Repeat(LatentDistribution.ScaledSample(mean, logVar, noise, scaling), spec.Count);
            }
            // prepare_mask_latents samples the masked image's latents whatever the UNet; the draw is
            // replayed so later step noise stays in diffusers' order.
            after.Add(drawShape);
        }

        return spec with
        {
            ImageLatents = imageLatents,
            Mask = mask,
            MaskedImageLatents = maskedImageLatents,
            RngDrawsBeforeNoise = before,
            RngDrawsAfterNoise = after,
        };
    }

    private static void Validate(GenerationRequest request, int factor)
    {
        if (request.Width <= 0 || request.Height <= 0 || request.Width % factor != 0 || request.Height % factor != 0)
            throw new ArgumentException($"width and height must be positive multiples of {factor}, got {request.Width}x{request.Height}");
        if (request.Steps < 1)
            throw new ArgumentException($"steps must be at least 1, got {request.Steps}");
        if (request.Prompts.Count < 1)
            throw new ArgumentException("at least one prompt is required");
        if (request.NegativePrompts is { } negatives && negatives.Count != request.Prompts.Count)
            throw new ArgumentException($"{negatives.Count} negative prompts for {request.Prompts.Count} prompts");
        if (request.NumImages < 1)
            throw new ArgumentException($"num_images must be at least 1, got {request.NumImages}");
        if (!float.IsFinite(request.GuidanceScale))
            throw new ArgumentException($"guidance_scale must be a finite number, got {request.GuidanceScale}");
        if (request.Mask is not null && request.InitImage is null)
            throw new ArgumentException("a mask needs an init image");
        foreach (var (name, image) in new[] { ("init image", request.InitImage), ("mask", request.Mask) })
        {
            if (image is not null && (image.Width != request.Width || image.Height != request.Height))
                throw new ArgumentException($"the {name} is {image.Width}x{image.Height}, the request {request.Width}x{request.Height}");
        }
    }

    /// <summary>[rows, ...] to [rows * count, ...], each row repeated <paramref name="count"/> times in place.</summary>
    private static float[] RepeatRows(ReadOnlySpan<float> rows, int rowCount, int count)
    {
        int size = rows.Length / rowCount;
        var result = new float[rows.Length * count];
        for (int r = 0; r < rowCount; r++)
            for (int i = 0; i < count; i++)
                rows.Slice(r * size, size).CopyTo(result.AsSpan((r * count + i) * size));
        return result;
    }

    private static float[] Repeat(ReadOnlySpan<float> row, int count)
    {
        var result = new float[row.Length * count];
        for (int i = 0; i < count; i++) row.CopyTo(result.AsSpan(i * row.Length));
        return result;
    }

    private static int Product(long[] shape)
    {
        long p = 1;
        foreach (long d in shape) p *= d;
        return checked((int)p);
    }

    /// <inheritdoc />
    public void Dispose() => _engine.Dispose();

    private sealed class Completion(Action<StepInfo>? onStep) : IDenoiseObserver
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Task => _done.Task;

        public void OnStep(DenoiseJob job, StepInfo step) => onStep?.Invoke(step);

        public void OnCompleted(DenoiseJob job) => _done.TrySetResult();

        public void OnFailed(DenoiseJob job, Exception error)
        {
            if (error is OperationCanceledException oce) _done.TrySetCanceled(oce.CancellationToken);
            else _done.TrySetException(error);
        }
    }
}
