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
}
