using Diffusion.Benchmarking.Runners;
using Diffusion.Hosting;
using Diffusion.Pipelines.Denoising;
using Diffusion.Pipelines.Models;
using Diffusion.Schedulers;

namespace Diffusion.Benchmarks.Runner;

/// <summary>Gives the services the same models the in-process pipeline gets (random full-size weights or a model folder),
/// whatever model path they were configured with.</summary>
internal sealed class HostingModelProvider(IBenchModelProvider bench, ModelSource source) : IModelProvider
{
    public INoiseSourceFactory NoiseSources => bench.NoiseSources;

    public ITextEncoderModel LoadTextEncoder(string modelDir, ModelPlacement placement) => bench.LoadTextEncoder(source);

    public IUNetModel LoadUNet(string modelDir, ModelPlacement placement) => bench.LoadUNet(source);

    public IVaeModel LoadVae(string modelDir, ModelPlacement placement) => bench.LoadVae(source);

    public SchedulerConfig LoadSchedulerConfig(string modelDir) => bench.LoadSchedulerConfig(source);
}
