namespace Diffusion.Benchmarking.Runners;

/// <summary>Seeded standard-normal inputs for timing runs (the values only need to be realistic, not torch-identical).</summary>
internal static class GaussianData
{
    /// <summary>A new array of <paramref name="length"/> N(0, 1) samples (Box-Muller over System.Random(seed)).</summary>
    public static float[] Create(int length, int seed)
    {
        var random = new Random(seed);
        var data = new float[length];
        for (int i = 0; i < length; i += 2)
        {
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            double r = Math.Sqrt(-2.0 * Math.Log(u1));
            data[i] = (float)(r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < length)
                data[i + 1] = (float)(r * Math.Sin(2 * Math.PI * u2));
        }
        return data;
    }
}
