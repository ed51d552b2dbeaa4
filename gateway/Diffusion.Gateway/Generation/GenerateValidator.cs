using System.Text;
using Diffusion.Contracts;
using Diffusion.Contracts.V1;
using Diffusion.Gateway.Options;
using Diffusion.Gateway.Readiness;
using Diffusion.Grpc;
using Diffusion.Imaging;

namespace Diffusion.Gateway.Generation;

/// <summary>
/// Checks a Generate request against the gateway's limits and what the models described, before
/// any downstream work, and fills in the defaults. Every problem found is reported in one
/// INVALID_ARGUMENT whose message says what to change.
/// </summary>
internal static class GenerateValidator
{
    private const int MaxSchedulerOptionKeyLength = 64;
    private const int MaxSchedulerOptionValueLength = 256;

    /// <param name="randomSeed">The seed used when the request has none.</param>
    /// <exception cref="RpcException">INVALID_ARGUMENT listing every problem.</exception>
    public static GenerationPlan Validate(GenerateRequest r, DownstreamDescriptions models, LimitOptions limits, long randomSeed)
    {
        var problems = new List<string>();
        CheckPrompt(r.Prompt, "prompt", limits, problems);
        CheckPrompt(r.NegativePrompt, "negative_prompt", limits, problems);
        CheckNames(r, models, problems);

        int numImages = r.NumImages == 0 ? 1 : r.NumImages;
        if (numImages < 1 || numImages > limits.MaxImages)
            problems.Add($"num_images must be in 1..{limits.MaxImages} (0 means 1), got {r.NumImages}");
        int steps = r.Steps == 0 ? limits.DefaultSteps : r.Steps;
        if (steps < 1 || steps > limits.MaxSteps)
            problems.Add($"steps must be in 1..{limits.MaxSteps} (0 means {limits.DefaultSteps}), got {r.Steps}");

        float guidance = r.HasGuidanceScale && r.GuidanceScale != 0f ? r.GuidanceScale : limits.DefaultGuidanceScale;
        if (!float.IsFinite(guidance))
            problems.Add($"guidance_scale must be a finite number, got {r.GuidanceScale}");
        else if (guidance < 0f || guidance > limits.MaxGuidanceScale)
            problems.Add($"guidance_scale must be in 0..{limits.MaxGuidanceScale} (values <= 1 turn guidance off), got {guidance}");

        string scheduler = ResolveScheduler(r.Scheduler, models.Denoiser, problems);
        CheckSchedulerOptions(r, limits, problems);
        CheckClipSkip(r.ClipSkip, models.Encoder, problems);

        var initImage = r.InitImage.IsEmpty ? null : DecodePng(r.InitImage, "init_image", limits, problems);
        var mask = r.MaskImage.IsEmpty ? null : DecodePng(r.MaskImage, "mask_image", limits, problems);
        bool hasInit = !r.InitImage.IsEmpty;
        if (!r.MaskImage.IsEmpty && !hasInit)
            problems.Add("mask_image needs init_image: inpainting repaints the masked part of an init image");
        if (initImage is not null && mask is not null && (mask.Width != initImage.Width || mask.Height != initImage.Height))
            problems.Add($"mask_image is {mask.Width}x{mask.Height} but init_image is {initImage.Width}x{initImage.Height}: they must be the same size");
        if (models.IsInpaintingUNet && r.MaskImage.IsEmpty)
            problems.Add($"the model '{models.Denoiser.Model}' is an inpainting UNet ({models.Denoiser.InChannels} input channels): give init_image and mask_image");

        float strength = 0f;
        if (hasInit)
        {
            strength = r.Strength;
            if (!(strength > 0f && strength <= 1f))
                problems.Add($"strength must be in (0, 1] with init_image (the share of the schedule that runs; diffusers uses 0.8 for img2img, 1.0 for inpainting), got {r.Strength}");
            else if (steps >= 1 && (int)(steps * strength) < 1)
                problems.Add($"strength {strength} with {steps} steps runs no denoising step: raise strength or steps");
        }
        else if (r.Strength != 0f)
        {
            problems.Add("strength applies to img2img and inpainting only: give init_image, or leave strength at 0");
        }

        int factor = models.DownscaleFactor;
        int width = CheckSide(r.Width, initImage?.Width, "width", factor, models, limits, problems);
        int height = CheckSide(r.Height, initImage?.Height, "height", factor, models, limits, problems);
        if (initImage is not null && width > 0 && height > 0 && (initImage.Width != width || initImage.Height != height))
            problems.Add($"init_image is {initImage.Width}x{initImage.Height} but width x height is {width}x{height}: " +
                         "resize the image, or leave width and height at 0 to use its size");

        Tensor? latents = null;
        if (r.Latents is not null)
        {
            if (hasInit && r.MaskImage.IsEmpty)
                problems.Add("latents cannot be combined with img2img (diffusers' img2img pipeline noises the init image itself); drop latents or init_image");
            else
                latents = CheckLatents(r.Latents, numImages, models.LatentChannels, height / Math.Max(factor, 1), width / Math.Max(factor, 1), problems);
        }

        if (problems.Count > 0)
            throw new RpcException(new Status(StatusCode.InvalidArgument, "Invalid request: " + string.Join("; ", problems) + "."));

        return new GenerationPlan
        {
            Prompt = r.Prompt,
            NegativePrompt = r.NegativePrompt,
            Width = width,
            Height = height,
            LatentWidth = width / factor,
            LatentHeight = height / factor,
            Steps = steps,
            GuidanceScale = guidance,
            Scheduler = scheduler,
            SchedulerOptions = new Dictionary<string, string>(r.SchedulerOptions, StringComparer.Ordinal),
            Seed = r.HasSeed ? r.Seed : randomSeed,
            NumImages = numImages,
            ClipSkip = r.ClipSkip,
            ChunkLongPrompts = r.ChunkLongPrompts,
            RawOutput = r.RawOutput,
            InitImagePng = hasInit ? r.InitImage.ToByteArray() : null,
            InitImage = initImage,
            Strength = strength,
            Mask = mask,
            Latents = latents,
        };
    }

    private static void CheckPrompt(string text, string field, LimitOptions limits, List<string> problems)
    {
        int bytes = Encoding.UTF8.GetByteCount(text);
        if (bytes > limits.MaxPromptBytes)
            problems.Add($"{field} is {bytes} bytes of UTF-8; the limit is {limits.MaxPromptBytes}");
    }

    private static void CheckNames(GenerateRequest r, DownstreamDescriptions models, List<string> problems)
    {
        if (r.Model.Length > 0 && !string.Equals(r.Model, models.Denoiser.Model, StringComparison.OrdinalIgnoreCase))
            problems.Add($"model '{Clip(r.Model)}' is not served here (this gateway serves '{models.Denoiser.Model}'; leave model empty for it)");
        if (r.Encoder.Length > 0 && !string.Equals(r.Encoder, models.Encoder.Name, StringComparison.OrdinalIgnoreCase))
            problems.Add($"encoder '{Clip(r.Encoder)}' is not served here (this gateway uses '{models.Encoder.Name}'; leave encoder empty for it)");
    }

    private static string ResolveScheduler(string requested, DenoiserDescription denoiser, List<string> problems)
    {
        if (requested.Length == 0)
            return "";
        var known = denoiser.Schedulers.FirstOrDefault(s => string.Equals(s, requested, StringComparison.OrdinalIgnoreCase));
        if (known is not null)
            return known;
        problems.Add(denoiser.Schedulers.Count == 0
            ? $"scheduler '{Clip(requested)}' is unknown: the denoiser offers no choice, leave scheduler empty"
            : $"scheduler '{Clip(requested)}' is unknown; choose one of: {string.Join(", ", denoiser.Schedulers)} (or leave it empty for the model's own)");
        return "";
    }

    private static void CheckSchedulerOptions(GenerateRequest r, LimitOptions limits, List<string> problems)
    {
        if (r.SchedulerOptions.Count > limits.MaxSchedulerOptions)
            problems.Add($"scheduler_options has {r.SchedulerOptions.Count} entries; the limit is {limits.MaxSchedulerOptions}");
        foreach (var (key, value) in r.SchedulerOptions)
        {
            if (key.Length == 0 || key.Length > MaxSchedulerOptionKeyLength)
                problems.Add($"scheduler_options keys must be 1..{MaxSchedulerOptionKeyLength} characters");
            if (value.Length > MaxSchedulerOptionValueLength)
                problems.Add($"scheduler_options['{Clip(key)}'] is longer than {MaxSchedulerOptionValueLength} characters");
        }
    }

    private static void CheckClipSkip(int clipSkip, TextEncoderDescription encoder, List<string> problems)
    {
        if (clipSkip < 0)
            problems.Add($"clip_skip must not be negative, got {clipSkip}");
        else if (clipSkip > 0 && encoder.NumLayers <= 0)
            problems.Add($"clip_skip needs the text encoder's layer count, which '{encoder.Name}' does not report: leave clip_skip at 0");
        else if (clipSkip > 0 && clipSkip >= encoder.NumLayers)
            problems.Add($"clip_skip {clipSkip} would skip every layer of the text encoder '{encoder.Name}' ({encoder.NumLayers} layers): use 0..{encoder.NumLayers - 1}");
    }

    private static int CheckSide(int requested, int? fromImage, string field, int factor, DownstreamDescriptions models,
        LimitOptions limits, List<string> problems)
    {
        int value = requested != 0 ? requested : fromImage ?? models.DefaultImageSize;
        string source = requested != 0 ? "" : fromImage is not null ? " (taken from init_image)" : " (the model's default)";
        if (value < limits.MinImageSize || value > limits.MaxImageSize)
        {
            problems.Add($"{field} {value}{source} must be in {limits.MinImageSize}..{limits.MaxImageSize} pixels");
            return 0;
        }
        // Diffusers' Stable Diffusion pipelines require multiples of 8 whatever the VAE; a VAE that
        // downscales by more (or by a factor that does not divide 8) needs multiples of both.
        int multiple = LeastCommonMultiple(8, Math.Max(factor, 1));
        if (value % multiple != 0)
        {
            int lower = value / multiple * multiple;
            string why = multiple == 8 ? "as diffusers' pipelines require" : $"8 and the VAE's downscale factor {factor}";
            problems.Add($"{field} {value}{source} must be a multiple of {multiple} ({why}); try {(lower >= limits.MinImageSize ? lower : lower + multiple)}");
            return 0;
        }
        return value;
    }

    private static int LeastCommonMultiple(int a, int b)
    {
        int x = a, y = b;
        while (y != 0) (x, y) = (y, x % y);
        return a / x * b;
    }

    private static Image? DecodePng(Google.Protobuf.ByteString bytes, string field, LimitOptions limits, List<string> problems)
    {
        try
        {
            var decodeLimits = PngDecodeLimits.Default with
            {
                MaxWidth = limits.MaxImageSize,
                MaxHeight = limits.MaxImageSize,
                MaxPixels = (long)limits.MaxImageSize * limits.MaxImageSize,
            };
            return PngDecoder.Decode(bytes.Span, decodeLimits);
        }
        catch (ImageFormatException ex)
        {
            problems.Add($"{field} is not a usable PNG: {Clip(ex.Message)}");
            return null;
        }
    }

    private static Tensor? CheckLatents(Tensor latents, int n, int channels, int h, int w, List<string> problems)
    {
        try
        {
            TensorValidation.Validate(latents, "latents", expectedRank: 4, allowed: [DType.F32]);
        }
        catch (TensorValidationException ex)
        {
            problems.Add(ex.Message);
            return null;
        }
        long[] expected = [n, channels, h, w];
        if (h > 0 && w > 0 && !latents.Shape.SequenceEqual(expected))
        {
            problems.Add($"latents has shape {TensorValidation.FormatShape(latents)} but this request needs [{string.Join(", ", expected)}] " +
                         "(num_images, latent channels, height / factor, width / factor)");
            return null;
        }
        return latents;
    }

    private static string Clip(string text) => text.Length <= 64 ? text : text[..64] + "...";
}
