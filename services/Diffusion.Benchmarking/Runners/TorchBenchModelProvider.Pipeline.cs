using Diffusion.Pipelines.Models;

namespace Diffusion.Benchmarking.Runners;

public sealed partial class TorchBenchModelProvider
{
    // The batching UNet and VAE adapters (Diffusion.Models.Adapters.TorchUNetModel / TorchVaeModel) are being written
    // in Diffusion.Models; until they land, the pipeline, vae-decode and concurrency benchmarks say so.

    /// <inheritdoc/>
    public IUNetModel LoadUNet(ModelSource source) =>
        throw new NotSupportedException("the TorchUNetModel adapter is not in Diffusion.Models yet: pipeline and concurrency benchmarks need it");

    /// <inheritdoc/>
    public IVaeModel LoadVae(ModelSource source) =>
        throw new NotSupportedException("the TorchVaeModel adapter is not in Diffusion.Models yet: vae-decode and pipeline benchmarks need it");
}
