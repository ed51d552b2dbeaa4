using Diffusion.Pipelines.Denoising;
using Diffusion.Pipelines.Models;

namespace Diffusion.VaeCodec;

/// <summary>The loaded VAE and the random streams for latent sampling. Model calls are serialised
/// (each is already a whole batch).</summary>
internal sealed class VaeRuntime(IVaeModel model, INoiseSourceFactory noise) : IDisposable
{
    public IVaeModel Model { get; } = model;
    public INoiseSourceFactory Noise { get; } = noise;
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public async Task<T> RunAsync<T>(Func<T> call, CancellationToken cancellationToken)
    {
        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return call();
        }
        finally
        {
            Gate.Release();
        }
    }

    public void Dispose()
    {
        Gate.Dispose();
        (Model as IDisposable)?.Dispose();
    }
}
