namespace Diffusion.Schedulers;

/// <summary>
/// The random stream a stochastic scheduler draws its step noise from. One call is exactly one
/// <c>torch.randn(shape, generator=generator)</c> draw (diffusers' <c>randn_tensor</c> with a single
/// generator), so the stream position stays aligned with the pipeline's own draws (initial latents,
/// VAE sampling) that share the same generator.
/// </summary>
public interface INoiseSource
{
    /// <summary>Fills <paramref name="destination"/> (row-major, length = product of
    /// <paramref name="shape"/>) with standard normal float32 samples.</summary>
    void Randn(Span<float> destination, ReadOnlySpan<long> shape);
}
