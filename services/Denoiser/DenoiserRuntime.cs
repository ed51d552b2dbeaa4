using Diffusion.Pipelines.Denoising;
using Diffusion.Pipelines.Models;
using Diffusion.Schedulers;

namespace Diffusion.Denoiser;

/// <summary>What the denoiser serves once loaded: the UNet, the engine that batches its steps, the
/// model's scheduler config and the random streams. Disposing stops the engine (failing what is
/// left) and then releases the UNet.</summary>
public sealed class DenoiserRuntime(IUNetModel unet, DenoiseEngine engine, SchedulerConfig schedulerConfig, INoiseSourceFactory noise) : IDisposable
{
    public IUNetModel UNet { get; } = unet;
    public DenoiseEngine Engine { get; } = engine;
    /// <summary>The model's scheduler_config.json (immutable, shared by every request).</summary>
    public SchedulerConfig SchedulerConfig { get; } = schedulerConfig;
    public INoiseSourceFactory Noise { get; } = noise;

    public void Dispose()
    {
        Engine.Dispose();
        (UNet as IDisposable)?.Dispose();
    }
}
