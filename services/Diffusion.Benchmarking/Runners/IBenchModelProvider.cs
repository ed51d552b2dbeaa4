using Diffusion.Pipelines.Denoising;
using Diffusion.Pipelines.Models;
using Diffusion.Schedulers;

namespace Diffusion.Benchmarking.Runners;

/// <summary>Loads the models a benchmark times. The default implementation (TorchBenchModelProvider) runs them on
/// our engine; returned models are owned by the caller (dispose those that are <see cref="IDisposable"/>).</summary>
public interface IBenchModelProvider
{
    /// <summary>The UNet2DConditionModel behind the batching interface.</summary>
    IUNetModel LoadUNet(ModelSource source);

    /// <summary>Tokenizer + CLIP text model.</summary>
    ITextEncoderModel LoadTextEncoder(ModelSource source);

    /// <summary>AutoencoderKL.</summary>
    IVaeModel LoadVae(ModelSource source);

    /// <summary>The scheduler config.json of the source.</summary>
    SchedulerConfig LoadSchedulerConfig(ModelSource source);

    /// <summary>torch.Generator("cpu").manual_seed(seed) streams for the pipeline.</summary>
    INoiseSourceFactory NoiseSources { get; }

    /// <summary>Engine facts for the machine description: threads, version, build info, GPU name.</summary>
    EngineInfo DescribeEngine(ModelSource source);
}

/// <summary>What the engine reports about itself.</summary>
public sealed record EngineInfo(int Threads, string Version, string BuildInfo, string? Gpu);
