using Diffusion.Benchmarking.Machine;
using Diffusion.Benchmarking.Reporting;
using Diffusion.Benchmarking.Statistics;
using Diffusion.Pipelines.Models;

namespace Diffusion.Benchmarking.Runners;

/// <summary>Single-model timings: one UNet forward, one text encoding, one VAE decode.</summary>
public static class ComponentBenchmarks
{
    /// <summary>The prompt every text-conditioned benchmark encodes.</summary>
    public const string Prompt = "a photograph of an astronaut riding a horse on the moon, highly detailed";

    /// <summary>Times <c>unet(sample, t, encoder_hidden_states)</c> on the module itself (inputs prepared on the device by
    /// <see cref="IBenchModelProvider.LoadUNetForward"/>), like the yardstick times diffusers' forward.</summary>
    public static BenchmarkResult UNet(IUNetForward unet, RunOptions options, string label, IReadOnlyDictionary<string, string> settings,
        Action<string>? log)
    {
        ArgumentNullException.ThrowIfNull(unet);
        double lastMax = 0;
        var times = IterationTimer.Measure(() => lastMax = unet.Run(), options.Warmup, options.Iterations, Progress(log, "unet"));
        if (!double.IsFinite(lastMax))
            throw new InvalidOperationException("the UNet produced non-finite values");
        return BenchmarkResult.FromTimes("unet", "diffusion-torch", label, times, options.Warmup, PeakMemory.CurrentProcessMb(),
            Merge(settings, options.Describe(), ("rows", options.UNetRows.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                ("parameters", unet.ParameterCount.ToString(System.Globalization.CultureInfo.InvariantCulture))));
    }

    /// <summary>Times encoding <see cref="RunOptions.Batch"/> copies of <see cref="Prompt"/> (tokenizer + CLIP).</summary>
    public static BenchmarkResult TextEncoder(ITextEncoderModel encoder, RunOptions options, string label,
        IReadOnlyDictionary<string, string> settings, Action<string>? log)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        var prompts = Enumerable.Repeat(Prompt, options.Batch).ToArray();
        TextEncoding? last = null;
        var times = IterationTimer.Measure(
            () => last = encoder.Encode(prompts, clipSkip: 0, chunkLongPrompts: false),
            options.Warmup, options.Iterations, Progress(log, "text-encoder"));
        if (last is null || last.HiddenShape[0] != options.Batch)
            throw new InvalidOperationException("the text encoder returned the wrong batch");
        return BenchmarkResult.FromTimes("text-encoder", "diffusion-torch", label, times, options.Warmup, PeakMemory.CurrentProcessMb(),
            Merge(settings, new Dictionary<string, string> { ["batch"] = options.Batch.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
    }

    /// <summary>Times decoding [batch, latent_channels, size/8, size/8] random latents to images (untiled).</summary>
    public static BenchmarkResult VaeDecode(IVaeModel vae, RunOptions options, string label, IReadOnlyDictionary<string, string> settings,
        Action<string>? log)
    {
        ArgumentNullException.ThrowIfNull(vae);
        int size = options.ImageSize / vae.Info.DownscaleFactor;
        long[] shape = [options.Batch, vae.Info.LatentChannels, size, size];
        var latents = GaussianData.Create(options.Batch * vae.Info.LatentChannels * size * size, seed: 3);
        float[]? image = null;
        var times = IterationTimer.Measure(
            () => image = vae.Decode(latents, shape, tiled: false),
            options.Warmup, options.Iterations, Progress(log, "vae-decode"));
        if (image is null || image.Length != options.Batch * 3 * options.ImageSize * options.ImageSize)
            throw new InvalidOperationException("the VAE returned an image of the wrong size");
        return BenchmarkResult.FromTimes("vae-decode", "diffusion-torch", label, times, options.Warmup, PeakMemory.CurrentProcessMb(),
            Merge(settings, options.Describe()));
    }

    internal static Action<int, bool, double>? Progress(Action<string>? log, string what) =>
        log is null ? null : (i, warm, ms) => log($"  {what} {(warm ? "warm-up" : "iter")} {i}: {ms:F1} ms");

    internal static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b,
        params (string Key, string Value)[] extra)
    {
        var merged = new Dictionary<string, string>(a);
        foreach (var kv in b)
            merged[kv.Key] = kv.Value;
        foreach (var (k, v) in extra)
            merged[k] = v;
        return merged;
    }
}
