using Diffusion.Hosting;
using Diffusion.Pipelines.Denoising;
using Diffusion.Pipelines.Models;
using Diffusion.Schedulers;

namespace Diffusion.Services.Tests;

/// <summary>Hands the services stand-in models; <see cref="LoadGate"/> holds loading (readiness tests).</summary>
internal sealed class StandInProvider : IModelProvider
{
    /// <summary>Stable Diffusion v1.5's scheduler_config.json.</summary>
    public const string Sd15SchedulerConfig = """
        {"_class_name": "PNDMScheduler", "_diffusers_version": "0.6.0", "beta_end": 0.012, "beta_schedule": "scaled_linear",
         "beta_start": 0.00085, "num_train_timesteps": 1000, "set_alpha_to_one": false, "skip_prk_steps": true,
         "steps_offset": 1, "trained_betas": null, "clip_sample": false}
        """;

    public StandInUNet UNet { get; init; } = new();
    public ITextEncoderModel? TextEncoder { get; init; }
    public IVaeModel? Vae { get; init; }
    public ManualResetEventSlim LoadGate { get; } = new(true);
    public int Loads { get; private set; }
    /// <summary>When set, loading throws it (a missing or corrupt model folder).</summary>
    public Exception? LoadFailure { get; init; }

    public INoiseSourceFactory NoiseSources { get; } = new SeededNoiseFactory();

    public ITextEncoderModel LoadTextEncoder(string modelDir, ModelPlacement placement) =>
        Load(TextEncoder ?? throw new InvalidOperationException("no stand-in text encoder"));

    public IUNetModel LoadUNet(string modelDir, ModelPlacement placement) => Load(UNet);

    public IVaeModel LoadVae(string modelDir, ModelPlacement placement) =>
        Load(Vae ?? throw new InvalidOperationException("no stand-in VAE"));

    public SchedulerConfig LoadSchedulerConfig(string modelDir) => SchedulerConfig.Parse(Sd15SchedulerConfig);

    private T Load<T>(T model)
    {
        LoadGate.Wait(TimeSpan.FromSeconds(30));
        if (LoadFailure is not null) throw LoadFailure;
        Loads++;
        return model;
    }
}
