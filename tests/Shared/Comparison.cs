namespace Diffusion.Testing;

/// <summary>Element-wise comparison that reports the worst element, its index and both values.</summary>
internal static class Comparison
{
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance, string what, long[]? shape = null)
    {
        if (expected.Length != actual.Length)
            throw new Xunit.Sdk.XunitException($"{what}: length {actual.Length} != expected {expected.Length}");
        double worst = -1; int worstIndex = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs((double)expected[i] - actual[i]);
            if (double.IsNaN(d)) d = double.PositiveInfinity;
            if (d > worst) { worst = d; worstIndex = i; }
        }
        if (worst > tolerance)
        {
            string index = shape is null ? worstIndex.ToString() : "[" + string.Join(", ", Unravel(worstIndex, shape)) + "]";
            throw new Xunit.Sdk.XunitException(
                $"{what}: max abs error {worst:G6} > {tolerance:G3} at {index}: expected {expected[worstIndex]:G9}, actual {actual[worstIndex]:G9}");
        }
    }

    public static double MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double worst = 0;
        for (int i = 0; i < a.Length; i++) worst = Math.Max(worst, Math.Abs((double)a[i] - b[i]));
        return worst;
    }

    private static long[] Unravel(long index, long[] shape)
    {
        var r = new long[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--) { r[d] = index % shape[d]; index /= shape[d]; }
        return r;
    }
}
