using Diffusion.Models.Adapters;
using Diffusion.Pipelines.Generation;
using Diffusion.Schedulers;
using Diffusion.Torch;

namespace Diffusion.EndToEnd.Tests;

/// <summary>The in-process pipeline on a diffusers folder: what the four processes must equal.</summary>
internal sealed class InProcess : IDisposable
{
    private readonly TorchTextEncoderModel _textEncoder;
    private readonly TorchUNetModel _unet;
    private readonly TorchVaeModel _vae;

    public InProcess(string modelDir)
    {
        _textEncoder = TorchTextEncoderModel.Load(modelDir, Device.Cpu, ScalarType.Float32);
        _unet = TorchUNetModel.Load(modelDir, Device.Cpu, ScalarType.Float32);
        _vae = TorchVaeModel.Load(modelDir, Device.Cpu, ScalarType.Float32);
        var scheduler = SchedulerConfig.Load(Path.Combine(modelDir, "scheduler", "scheduler_config.json"));
        Pipeline = new StableDiffusionPipeline(_textEncoder, _unet, _vae, scheduler, new TorchNoiseSourceFactory());
    }

    public StableDiffusionPipeline Pipeline { get; }

    /// <summary>diffusers' default image size: unet.config.sample_size * vae_scale_factor.</summary>
    public int DefaultSize => _unet.Info.SampleSize * _vae.Info.DownscaleFactor;

    public void Dispose()
    {
        Pipeline.Dispose();
        _textEncoder.Dispose();
        _unet.Dispose();
        _vae.Dispose();
    }
}
