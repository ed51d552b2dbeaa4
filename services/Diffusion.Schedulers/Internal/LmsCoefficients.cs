namespace Diffusion.Schedulers.Internal;

/// <summary>
/// The linear multistep integration weights of diffusers <c>LMSDiscreteScheduler.get_lms_coefficient</c>:
/// the integral over [sigma_t, sigma_{t+1}] of the Lagrange basis polynomial through the last
/// <c>order</c> sigmas.
/// </summary>
/// <remarks>
/// diffusers evaluates the basis polynomial on float32 sigma tensors (so each integrand value is
/// float32 arithmetic on the node rounded to float32) and integrates it with
/// <c>scipy.integrate.quad(epsrel=1e-4)</c>. For a polynomial of degree &lt;= 3 QUADPACK's dqagse
/// accepts its first 21-point Gauss-Kronrod evaluation (dqk21) over the whole interval, so that is what
/// <see cref="Coefficient"/> computes, reproducing the reference weights bit for bit; should the
/// Kronrod/Gauss error estimate ever exceed the tolerance (quad would then bisect), the exact integral
/// (3-point Gauss-Legendre in float64, exact to degree 5) is returned instead.
/// </remarks>
internal static class LmsCoefficients
{
    // QUADPACK dqk21: Kronrod abscissae (xgk[1], xgk[3], ... are the 10-point Gauss abscissae) and weights.
    private static readonly double[] s_xgk =
    [
        0.995657163025808080735527280689003, 0.973906528517171720077964012084452, 0.930157491355708226001207180059508,
        0.865063366688984510732096688423493, 0.780817726586416897063717578345042, 0.679409568299024406234327365114874,
        0.562757134668604683339000099272694, 0.433395394129247190799265943165784, 0.294392862701460198131126603103866,
        0.148874338981631210884826001129720, 0.0,
    ];

    private static readonly double[] s_wgk =
    [
        0.011694638867371874278064396062192, 0.032558162307964727478818972459390, 0.054755896574351996031381300244580,
        0.075039674810919952767043140916190, 0.093125454583697605535065465083366, 0.109387158802297641899210590325805,
        0.123491976262065851077958109831074, 0.134709217311473325928054001771707, 0.142775938577060080797094273138717,
        0.147739104901338491374841515972068, 0.149445554002916905664936468389821,
    ];

    private static readonly double[] s_wg =
    [
        0.066671344308688137593568809893332, 0.149451349150580593145776339657697, 0.219086362515982043995534934228163,
        0.269266719309996355091226921569469, 0.295524224714752870173892994651338,
    ];

    /// <summary>The weight of the derivative <paramref name="currentOrder"/> steps back.</summary>
    /// <param name="sigmas">The inference sigmas (float32).</param>
    /// <param name="order">The number of derivatives in use (1..4).</param>
    /// <param name="t">The current step index.</param>
    /// <param name="currentOrder">Which derivative (0 = the newest).</param>
    public static double Coefficient(ReadOnlySpan<float> sigmas, int order, int t, int currentOrder)
    {
        var nodes = new float[order];
        for (int k = 0; k < order; k++) nodes[k] = sigmas[t - k];
        double a = sigmas[t], b = sigmas[t + 1];
        var (result, abserr) = GaussKronrod21(tau => Basis(nodes, currentOrder, tau), a, b);
        double errbnd = Math.Max(1.49e-8, 1e-4 * Math.Abs(result)); // quad's epsabs default, diffusers' epsrel
        return abserr <= errbnd ? result : Exact(nodes, currentOrder, a, b);
    }

    /// <summary>diffusers' <c>lms_derivative(tau)</c> on float32 tensors.</summary>
    private static double Basis(float[] nodes, int current, double tau)
    {
        if (nodes.Length == 1) return 1.0; // the loop never runs: Python's float 1.0
        float tau32 = (float)tau, prod = 1f;
        for (int k = 0; k < nodes.Length; k++)
        {
            if (k == current) continue;
            prod *= (tau32 - nodes[k]) / (nodes[current] - nodes[k]);
        }
        return prod;
    }

    /// <summary>QUADPACK dqk21 (float64, unfused): the 21-point Kronrod result and its error estimate.</summary>
    private static (double Result, double AbsErr) GaussKronrod21(Func<double, double> f, double a, double b)
    {
        double centr = 0.5 * (a + b), hlgth = 0.5 * (b - a), dhlgth = Math.Abs(hlgth);
        var fv1 = new double[10];
        var fv2 = new double[10];
        double resg = 0, fc = f(centr);
        double resk = s_wgk[10] * fc, resabs = Math.Abs(resk);
        for (int j = 1; j <= 5; j++)
        {
            int jtw = 2 * j - 1; // Fortran jtw = 2j, 1-based
            double absc = hlgth * s_xgk[jtw];
            double fval1 = f(centr - absc), fval2 = f(centr + absc);
            fv1[jtw] = fval1;
            fv2[jtw] = fval2;
            double fsum = fval1 + fval2;
            resg += s_wg[j - 1] * fsum;
            resk += s_wgk[jtw] * fsum;
            resabs += s_wgk[jtw] * (Math.Abs(fval1) + Math.Abs(fval2));
        }
        for (int j = 1; j <= 5; j++)
        {
            int jtwm1 = 2 * j - 2; // Fortran jtwm1 = 2j - 1, 1-based
            double absc = hlgth * s_xgk[jtwm1];
            double fval1 = f(centr - absc), fval2 = f(centr + absc);
            fv1[jtwm1] = fval1;
            fv2[jtwm1] = fval2;
            double fsum = fval1 + fval2;
            resk += s_wgk[jtwm1] * fsum;
            resabs += s_wgk[jtwm1] * (Math.Abs(fval1) + Math.Abs(fval2));
        }
        double reskh = resk * 0.5;
        double resasc = s_wgk[10] * Math.Abs(fc - reskh);
        for (int j = 0; j < 10; j++) resasc += s_wgk[j] * (Math.Abs(fv1[j] - reskh) + Math.Abs(fv2[j] - reskh));
        double result = resk * hlgth;
        resabs *= dhlgth;
        resasc *= dhlgth;
        double abserr = Math.Abs((resk - resg) * hlgth);
        if (resasc != 0 && abserr != 0) abserr = resasc * Math.Min(1, Math.Pow(200 * abserr / resasc, 1.5));
        if (resabs > double.Epsilon / (50 * double.Epsilon)) abserr = Math.Max(double.Epsilon * 50 * resabs, abserr);
        return (result, abserr);
    }

    /// <summary>The exact integral: 3-point Gauss-Legendre in float64 (the integrand has degree &lt;= 3).</summary>
    internal static double Exact(float[] nodes, int current, double a, double b)
    {
        double node = Math.Sqrt(3.0 / 5.0);
        double half = (b - a) / 2, mid = (a + b) / 2, sum = 0;
        foreach (var (x, w) in new[] { (-node, 5.0 / 9.0), (0.0, 8.0 / 9.0), (node, 5.0 / 9.0) })
        {
            double tau = mid + half * x, prod = 1.0;
            for (int k = 0; k < nodes.Length; k++)
                if (k != current) prod *= (tau - nodes[k]) / ((double)nodes[current] - nodes[k]);
            sum += w * prod;
        }
        return sum * half;
    }
}
