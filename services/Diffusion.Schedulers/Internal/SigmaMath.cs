namespace Diffusion.Schedulers.Internal;

/// <summary>Sigma-space helpers shared by the k-diffusion style schedulers (numpy arithmetic).</summary>
internal static class SigmaMath
{
    /// <summary><c>np.log(sigmas)</c> of the float32 training sigmas (numpy's float32 log).</summary>
    public static float[] LogSigmas(ReadOnlySpan<float> sigmas)
    {
        var r = new float[sigmas.Length];
        for (int i = 0; i < r.Length; i++) r[i] = NumpyMath.LogFloat32(sigmas[i]);
        return r;
    }

    /// <summary>
    /// diffusers <c>_convert_to_karras</c> (Karras et al. 2022, eq. 5, rho = 7) in float64:
    /// <c>(max^(1/rho) + ramp * (min^(1/rho) - max^(1/rho)))^rho</c> over <c>ramp = linspace(0, 1, n)</c>.
    /// </summary>
    public static double[] Karras(double sigmaMin, double sigmaMax, int n)
    {
        const double rho = 7.0;
        var ramp = NumpyMath.Linspace(0, 1, n);
        double minInvRho = Math.Pow(sigmaMin, 1 / rho), maxInvRho = Math.Pow(sigmaMax, 1 / rho);
        var sigmas = new double[n];
        for (int i = 0; i < n; i++) sigmas[i] = Math.Pow(maxInvRho + ramp[i] * (minInvRho - maxInvRho), rho);
        return sigmas;
    }

    /// <summary>diffusers <c>_convert_to_lu</c> (Lu et al., DPM-Solver++, rho = 1): a linear ramp in log sigma.</summary>
    public static double[] LuLambdas(double lambdaMin, double lambdaMax, int n)
    {
        var ramp = NumpyMath.Linspace(0, 1, n);
        var lambdas = new double[n];
        for (int i = 0; i < n; i++) lambdas[i] = Math.Pow(lambdaMax + ramp[i] * (lambdaMin - lambdaMax), 1.0);
        return lambdas;
    }

    /// <summary>
    /// diffusers <c>_sigma_to_t</c>: the fractional training timestep whose log sigma matches, by linear
    /// interpolation between neighbouring training log sigmas. numpy 1.24's value-based casting makes
    /// the distances and the weight float32 (a float64 scalar against a float32 array), while the final
    /// blend <c>(1 - w) * low_idx + w * high_idx</c> is float64.
    /// </summary>
    public static double SigmaToT(double sigma, ReadOnlySpan<float> logSigmas)
    {
        double logSigma = Math.Log(Math.Max(sigma, 1e-10));
        float logSigma32 = (float)logSigma;
        // low_idx = last index whose distance is >= 0 (cumsum(...).argmax()), 0 when none; clipped.
        int low = 0;
        for (int i = 0; i < logSigmas.Length; i++)
            if (logSigma32 - logSigmas[i] >= 0) low = i;
        low = Math.Min(low, logSigmas.Length - 2);
        int high = low + 1;
        float lo = logSigmas[low], hi = logSigmas[high];
        float w = (lo - logSigma32) / (lo - hi);
        w = Math.Clamp(w, 0f, 1f);
        return (double)(1f - w) * low + (double)w * high;
    }
}
