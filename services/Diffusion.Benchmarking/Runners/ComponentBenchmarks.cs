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

    /// <summary>Times <c>unet(sample, t, encoder_hidden_states)</c> for <see cref="RunOptions.UNetRows"/> rows of
    /// [in, size/8, size/8] latents and [rows, 77, cross_attention_dim] random conditioning (uploaded once).</summary>
    public static BenchmarkResult UNet(IUNetModel unet, RunOptions options, string label, IReadOnlyDictionary<string, string> settings,
        Action<string>? log)
    {
        ArgumentNullException.ThrowIfNull(unet);
        int rows = options.UNetRows, size = options.LatentSize;
        const int tokens = 77;
        var info = unet.Info;
        long[] sampleShape = [rows, info.InChannels, size, size];
        var sample = GaussianData.Create(rows * info.InChannels * size * size, seed: 1);
        var embeddings = GaussianData.Create(rows * tokens * info.CrossAttentionDim, seed: 2);
        var timesteps = Enumerable.Repeat(500f, rows).ToArray();
        var output = new float[rows * info.OutChannels * size * size];
        using var conditioning = unet.Upload(embeddings, [rows, tokens, info.CrossAttentionDim]);
        IConditioning[] conditions = [conditioning];

        var times = IterationTimer.Measure(
            () => unet.Predict(sample, sampleShape, timesteps, conditions, output),
            options.Warmup, options.Iterations, Progress(log, "unet"));
        if (!output.All(float.IsFinite))
            throw new InvalidOperationException("the UNet produced non-finite values");
        return BenchmarkResult.FromTimes("unet", "diffusion-torch", label, times, options.Warmup, PeakMemory.CurrentProcessMb(),
            Merge(settings, options.Describe(), ("rows", rows.ToString(System.Globalization.CultureInfo.InvariantCulture))));
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
