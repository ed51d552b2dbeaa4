namespace Diffusion.Schedulers.Internal;

/// <summary>
/// The linear multistep integration weights of diffusers <c>LMSDiscreteScheduler.get_lms_coefficient</c>:
/// the integral over [sigma_t, sigma_{t+1}] of the Lagrange basis polynomial through the last
/// <c>order</c> sigmas. diffusers integrates with <c>scipy.integrate.quad</c>; the integrand is a
/// polynomial of degree order - 1 &lt;= 3, so 3-point Gauss-Legendre (exact to degree 5) in float64
/// gives the same value to rounding.
/// </summary>
internal static class LmsCoefficients
{
    private static readonly double s_node = Math.Sqrt(3.0 / 5.0);
    private static readonly double[] s_nodes = [-s_node, 0.0, s_node];
    private static readonly double[] s_weights = [5.0 / 9.0, 8.0 / 9.0, 5.0 / 9.0];

    /// <summary>The weight of the derivative <paramref name="currentOrder"/> steps back.</summary>
    /// <param name="sigmas">The inference sigmas (float32).</param>
    /// <param name="order">The number of derivatives in use (1..4).</param>
    /// <param name="t">The current step index.</param>
    /// <param name="currentOrder">Which derivative (0 = the newest).</param>
    public static double Coefficient(ReadOnlySpan<float> sigmas, int order, int t, int currentOrder)
    {
        double a = sigmas[t], b = sigmas[t + 1];
        double half = (b - a) / 2, mid = (a + b) / 2;
        double sum = 0;
        for (int q = 0; q < s_nodes.Length; q++)
        {
            double tau = mid + half * s_nodes[q];
            double prod = 1.0;
            for (int k = 0; k < order; k++)
            {
                if (k == currentOrder) continue;
                prod *= (tau - sigmas[t - k]) / ((double)sigmas[t - currentOrder] - sigmas[t - k]);
            }
            sum += s_weights[q] * prod;
        }
        return sum * half;
    }
}
