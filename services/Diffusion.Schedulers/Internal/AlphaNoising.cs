namespace Diffusion.Schedulers.Internal;

/// <summary><c>add_noise</c> of the alpha-product schedulers (DDPM, DDIM, PNDM):
/// <c>sqrt(alphas_cumprod[t]) * x + sqrt(1 - alphas_cumprod[t]) * noise</c>, factors in float32.</summary>
internal static class AlphaNoising
{
    public static (float A, float B)[] Factors(ReadOnlySpan<float> alphasCumprod, ReadOnlySpan<double> timesteps, string className)
    {
        var result = new (float, float)[timesteps.Length];
        for (int i = 0; i < result.Length; i++)
        {
            double t = timesteps[i];
            if (t != Math.Floor(t) || t < 0 || t >= alphasCumprod.Length)
                throw new ArgumentOutOfRangeException(nameof(timesteps), t, $"{className}.add_noise needs training timesteps in [0, {alphasCumprod.Length})");
            float acp = alphasCumprod[(int)t];
            result[i] = (MathF.Sqrt(acp), MathF.Sqrt(1f - acp));
        }
        return result;
    }
}
