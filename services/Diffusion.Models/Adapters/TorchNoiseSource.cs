using Diffusion.Schedulers;
using Diffusion.Torch;

namespace Diffusion.Models.Adapters;

/// <summary>One request's random stream: a libtorch CPU generator seeded like
/// <c>torch.Generator("cpu").manual_seed(seed)</c>; each <see cref="Randn"/> is the next
/// <c>torch.randn(shape, generator=g, dtype=float32)</c> of that stream, so the sequence of draws
/// (initial latents, then scheduler noise) equals diffusers' on CPU.</summary>
public sealed class TorchNoiseSource : INoiseSource, IDisposable
{
    private readonly Generator _generator;
    private readonly Lock _gate = new();

    /// <summary>Seeds the stream. Negative seeds are reinterpreted as their unsigned 64-bit pattern,
    /// as torch's <c>manual_seed</c> does.</summary>
    public TorchNoiseSource(long seed)
    {
        Seed = seed;
        _generator = new Generator(unchecked((ulong)seed));
    }

    /// <summary>The seed given.</summary>
    public long Seed { get; }

    /// <summary>Draws the next standard-normal float32 tensor of <paramref name="shape"/> into
    /// <paramref name="destination"/> (row-major; its length must be the product of the shape).</summary>
    public void Randn(Span<float> destination, ReadOnlySpan<long> shape)
    {
        long count = 1;
        foreach (var s in shape)
        {
            if (s < 0) throw new ArgumentOutOfRangeException(nameof(shape), "negative dimension");
            count *= s;
        }
        if (count != destination.Length)
            throw new ArgumentException($"destination holds {destination.Length} values but the shape has {count}", nameof(destination));
        var dims = shape.ToArray();
        lock (_gate)
        {
            // Why a tensor and not a managed RNG: torch's CPU normal sampler (Mersenne Twister + Box-Muller,
            // with a vectorized path for 16+ values) is what reproduces diffusers' images.
            using var noise = _generator.Randn(dims, ScalarType.Float32, Device.Cpu).DetachFromScope();
            noise.CopyTo(destination);
        }
    }

    /// <summary>Frees the native generator.</summary>
    public void Dispose() => _generator.Dispose();
}
