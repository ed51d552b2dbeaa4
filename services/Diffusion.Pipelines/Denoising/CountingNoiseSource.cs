using Diffusion.Schedulers;

namespace Diffusion.Pipelines.Denoising;

/// <summary>Wraps a request's generator and counts the scheduler's draws, so a checkpoint can say
/// how far the random stream has advanced and a resumed run can replay to the same position.</summary>
internal sealed class CountingNoiseSource(INoiseSource inner) : INoiseSource
{
    public int Draws { get; private set; }

    public void Randn(Span<float> destination, ReadOnlySpan<long> shape)
    {
        inner.Randn(destination, shape);
        Draws++;
    }
}

/// <summary>Creates a request's random stream: torch.Generator("cpu").manual_seed(seed).</summary>
public interface INoiseSourceFactory
{
    INoiseSource Create(long seed);
}
