using Diffusion.Pipelines.Denoising;
using Diffusion.Pipelines.Models;
using Diffusion.Schedulers;

namespace Diffusion.Benchmarking.Runners;

/// <summary>Loads the models a benchmark times. The default implementation (TorchBenchModelProvider) runs them on
/// our engine; returned models are owned by the caller (dispose those that are <see cref="IDisposable"/>).</summary>
public interface IBenchModelProvider
{
    /// <summary>The UNet2DConditionModel behind the batching interface (pipeline, concurrency).</summary>
    IUNetModel LoadUNet(ModelSource source);

    /// <summary>The UNet2DConditionModel with inputs already on its device, for timing the bare forward (unet benchmark):
    /// <paramref name="rows"/> x [in, <paramref name="latentSize"/>, <paramref name="latentSize"/>] random latents, timestep 500,
    /// [rows, 77, cross_attention_dim] random text embeddings.</summary>
    IUNetForward LoadUNetForward(ModelSource source, int rows, int latentSize);

    /// <summary>Tokenizer + CLIP text model.</summary>
    ITextEncoderModel LoadTextEncoder(ModelSource source);

    /// <summary>AutoencoderKL.</summary>
    IVaeModel LoadVae(ModelSource source);

    /// <summary>The scheduler config.json of the source.</summary>
    SchedulerConfig LoadSchedulerConfig(ModelSource source);

    /// <summary>torch.Generator("cpu").manual_seed(seed) streams for the pipeline.</summary>
    INoiseSourceFactory NoiseSources { get; }

    /// <summary>Sets the engine's intra-op threads for everything after (0 = leave the default).</summary>
    void SetThreads(int threads);

    /// <summary>Engine facts for the machine description: threads, version, build info, GPU name.</summary>
    EngineInfo DescribeEngine(ModelSource source);
}

/// <summary>One prepared UNet forward; dispose to free the model and inputs.</summary>
public interface IUNetForward : IDisposable
{
    /// <summary>The model's description.</summary>
    UNetInfo Info { get; }

    /// <summary>Parameters in the model.</summary>
    long ParameterCount { get; }

    /// <summary>Runs one forward to completion (synchronizing the device); returns max |output| as a sanity value.</summary>
    double Run();
}

/// <summary>What the engine reports about itself.</summary>
public sealed record EngineInfo(int Threads, string Version, string BuildInfo, string? Gpu);
