namespace Diffusion.Schedulers.Internal;

/// <summary>
/// The numpy float64 routines diffusers builds its timestep and sigma schedules with, reproduced with
/// numpy 1.24's arithmetic (baseline-compiled C, no fused multiply-add).
/// </summary>
internal static class NumpyMath
{
    /// <summary><c>np.linspace(start, stop, num)</c> in float64: <c>i * step + start</c> with the last
    /// element set to <c>stop</c> exactly.</summary>
    public static double[] Linspace(double start, double stop, int num)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(num);
        var y = new double[num];
        if (num == 0) return y;
        if (num == 1)
        {
            y[0] = start;
            return y;
        }
        int div = num - 1;
        double delta = stop - start;
        double step = delta / div;
        for (int i = 0; i < num; i++)
        {
            // numpy multiplies by step unless step underflows to zero, then divides first.
            y[i] = step == 0 ? i / (double)div * delta + start : i * step + start;
        }
        y[^1] = stop;
        return y;
    }

    /// <summary><c>np.arange(start, stop, step)</c> for float64: length <c>ceil((stop - start) / step)</c>;
    /// element i &gt;= 2 is <c>start + i * delta</c> with <c>delta = (start + step) - start</c>, as numpy's
    /// fill function computes it.</summary>
    public static double[] Arange(double start, double stop, double step)
    {
        double len = Math.Ceiling((stop - start) / step);
        if (!(len > 0)) return [];
        var y = new double[(int)len];
        y[0] = start;
        if (y.Length > 1) y[1] = start + step;
        double delta = y.Length > 1 ? y[1] - y[0] : step;
        for (int i = 2; i < y.Length; i++) y[i] = start + i * delta;
        return y;
    }

    /// <summary><c>np.round</c> (<c>rint</c>): half to even.</summary>
    public static double Round(double x) => Math.Round(x, MidpointRounding.ToEven);

    /// <summary><c>np.interp(x, arange(len(fp)), fp)</c> in float64 (fp widened from float32).</summary>
    public static double[] InterpOverIndex(ReadOnlySpan<double> x, ReadOnlySpan<float> fp)
    {
        var result = new double[x.Length];
        int last = fp.Length - 1;
        for (int i = 0; i < x.Length; i++)
        {
            double xv = x[i];
            if (double.IsNaN(xv)) { result[i] = xv; continue; }
            if (xv >= last) { result[i] = fp[last]; continue; }
            if (xv < 0) { result[i] = fp[0]; continue; }
            int j = (int)Math.Floor(xv); // xp = 0, 1, ..., so the bracketing index is floor(x)
            if (j == xv)
            {
                result[i] = fp[j];
                continue;
            }
            double slope = ((double)fp[j + 1] - fp[j]) / 1.0;
            result[i] = slope * (xv - j) + fp[j];
        }
        return result;
    }

    private static readonly float[] s_logP =
    [
        0.0f, 9.999999999999998702752e-01f, 2.112677543073053063722e+00f,
        1.480000633576506585156e+00f, 3.808837741388407920751e-01f, 2.589979117907922693523e-02f,
    ];

    private static readonly float[] s_logQ =
    [
        1.0f, 2.612677543073109236779e+00f, 2.453006071784736363091e+00f,
        9.864942958519418960339e-01f, 1.546476374983906719538e-01f, 5.875095403124574342950e-03f,
    ];

    /// <summary>
    /// <c>np.log</c> of a float32 (numpy 1.24's AVX2-FMA3/AVX512F kernel <c>simd_log_FLOAT</c>, constants of
    /// npy_simd_data.h): mantissa in [sqrt(1/2), sqrt(2)), a P5/Q5 rational approximation of log(1 + x)
    /// with fused multiply-adds, plus exponent * ln 2. Up to ~4 ulp from the true log, and the Karras
    /// and Lu timesteps diffusers derives from these logs inherit exactly those ulps.
    /// </summary>
    public static float LogFloat32(float x)
    {
        if (float.IsNaN(x)) return x;
        if (x < 0) return float.NaN;
        if (x == 0) return float.NegativeInfinity;
        if (float.IsPositiveInfinity(x)) return x;
        const float sqrtHalf = 0.707106781186547524400844362104849039f, ln2 = 0.693147180559945309417232121458176568f;
        float exponentBias = 0;
        if (x < 1.17549435e-38f) // denormals: scale by 2^100 first
        {
            x *= BitConverter.Int32BitsToSingle(0x71800000);
            exponentBias = 100;
        }
        int bits = BitConverter.SingleToInt32Bits(x);
        float exponent = ((bits >> 23) & 0xff) - 0x7E - exponentBias;
        float m = BitConverter.Int32BitsToSingle((bits & 0x7fffff) | (126 << 23));
        if (m <= sqrtHalf)
        {
            m += m;
            exponent -= 1;
        }
        m -= 1;
        float num = MathF.FusedMultiplyAdd(s_logP[5], m, s_logP[4]);
        for (int i = 3; i >= 0; i--) num = MathF.FusedMultiplyAdd(num, m, s_logP[i]);
        float den = MathF.FusedMultiplyAdd(s_logQ[5], m, s_logQ[4]);
        for (int i = 3; i >= 0; i--) den = MathF.FusedMultiplyAdd(den, m, s_logQ[i]);
        return MathF.FusedMultiplyAdd(exponent, ln2, num / den);
    }
}
