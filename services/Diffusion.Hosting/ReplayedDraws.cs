using Diffusion.Contracts;
using Diffusion.Contracts.V1;

namespace Diffusion.Hosting;

/// <summary>
/// Reads the random draws a request asks a service to replay (draws another service made from the
/// same seed first, so the generator stays at diffusers' position). Replayed draws cost what they
/// cost the caller, a few latent-sized tensors; the bounds keep a request from asking for
/// gigabytes of throw-away noise.
/// </summary>
public static class ReplayedDraws
{
    /// <summary>Most draws one request may replay.</summary>
    public const int MaxDraws = 16;

    /// <summary>Largest draw, as a multiple of the request's own latents.</summary>
    public const int MaxDrawToLatentRatio = 16;

    /// <summary>The shapes, checked: at most <see cref="MaxDraws"/>, each of rank 1..8 with positive
    /// dimensions and at most <paramref name="latentElements"/> x <see cref="MaxDrawToLatentRatio"/> elements.</summary>
    /// <param name="field">The request field, e.g. <c>rng_draws_before_noise</c>; errors name it (with the index).</param>
    /// <exception cref="TensorValidationException">A bound is exceeded.</exception>
    public static List<long[]> Read(IReadOnlyList<TensorShape> draws, string field, long latentElements)
    {
        ArgumentNullException.ThrowIfNull(draws);
        if (draws.Count > MaxDraws)
            throw new TensorValidationException(field, $"{draws.Count} draws given, the limit is {MaxDraws}");
        long maxElements = latentElements * MaxDrawToLatentRatio;
        var result = new List<long[]>(draws.Count);
        for (int i = 0; i < draws.Count; i++)
        {
            string name = $"{field}[{i}]";
            var dims = draws[i].Dims;
            if (dims.Count == 0 || dims.Count > TensorLimits.Default.MaxRank)
                throw new TensorValidationException(name, $"has rank {dims.Count}; 1..{TensorLimits.Default.MaxRank} dimensions are required");
            long elements = 1;
            foreach (var d in dims)
            {
                if (d < 1 || d > TensorLimits.Default.MaxDimension)
                    throw new TensorValidationException(name, $"dimension {d} is not in [1, {TensorLimits.Default.MaxDimension}]");
                elements *= d;
                if (elements > maxElements)
                    throw new TensorValidationException(name, $"has more than {maxElements} elements ({MaxDrawToLatentRatio} x the request's latents)");
            }
            result.Add([.. dims]);
        }
        return result;
    }

    /// <summary>The element count of a shape.</summary>
    public static long Elements(ReadOnlySpan<long> shape)
    {
        long p = 1;
        foreach (var d in shape) p *= d;
        return p;
    }
}
