using Diffusion.Pipelines.Denoising;
using Diffusion.Schedulers;

namespace Diffusion.Models.Adapters;

/// <summary>Creates <see cref="TorchNoiseSource"/>s: torch's CPU generator stream per request seed
/// (diffusers' <c>generator=torch.Generator("cpu").manual_seed(seed)</c>).</summary>
public sealed class TorchNoiseSourceFactory : INoiseSourceFactory
{
    /// <summary>A new stream at its start for <paramref name="seed"/>. The native generator is freed when
    /// the returned source is disposed (or finalized).</summary>
    public INoiseSource Create(long seed) => new TorchNoiseSource(seed);
}
