namespace Diffusion.Torch.Tests;

/// <summary>Plain managed loops (double accumulation) that define what the ops must compute.</summary>
internal static class ManagedReference
{
    public static float[] Random(int count, int seed, double scale = 1)
    {
        var rng = new Random(seed);
        var data = new float[count];
        for (int i = 0; i < count; i++) data[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        return data;
    }

    /// <summary>F.conv2d on NCHW with per-axis stride/padding/dilation and groups.</summary>
    public static float[] Conv2d(float[] x, int n, int cin, int h, int w, float[] weight, int cout, int kh, int kw, float[]? bias,
        int strideH, int strideW, int padH, int padW, int dilH, int dilW, int groups, out int oh, out int ow)
    {
        oh = (h + 2 * padH - dilH * (kh - 1) - 1) / strideH + 1;
        ow = (w + 2 * padW - dilW * (kw - 1) - 1) / strideW + 1;
        int cinPerGroup = cin / groups, coutPerGroup = cout / groups;
        var y = new float[n * cout * oh * ow];
        for (int b = 0; b < n; b++)
        for (int co = 0; co < cout; co++)
        {
            int g = co / coutPerGroup;
            for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++)
            {
                double acc = bias?[co] ?? 0;
                for (int ci = 0; ci < cinPerGroup; ci++)
                for (int u = 0; u < kh; u++)
                for (int v = 0; v < kw; v++)
                {
                    int yy = i * strideH - padH + u * dilH, xx = j * strideW - padW + v * dilW;
                    if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                    int c = g * cinPerGroup + ci;
                    acc += (double)x[((b * cin + c) * h + yy) * w + xx] * weight[((co * cinPerGroup + ci) * kh + u) * kw + v];
                }
                y[((b * cout + co) * oh + i) * ow + j] = (float)acc;
            }
        }
        return y;
    }

    /// <summary>y[r, o] = sum_i x[r, i] w[o, i] + b[o].</summary>
    public static float[] Linear(float[] x, int rows, int inF, float[] w, int outF, float[]? b)
    {
        var y = new float[rows * outF];
        for (int r = 0; r < rows; r++)
        for (int o = 0; o < outF; o++)
        {
            double acc = b?[o] ?? 0;
            for (int i = 0; i < inF; i++) acc += (double)x[r * inF + i] * w[o * inF + i];
            y[r * outF + o] = (float)acc;
        }
        return y;
    }

    /// <summary>F.group_norm on [N, C, S] (S = spatial size), biased variance.</summary>
    public static float[] GroupNorm(float[] x, int n, int c, int s, int groups, float[]? weight, float[]? bias, double eps)
    {
        var y = new float[x.Length];
        int cpg = c / groups;
        for (int b = 0; b < n; b++)
        for (int g = 0; g < groups; g++)
        {
            int start = (b * c + g * cpg) * s, count = cpg * s;
            double mean = 0, sq = 0;
            for (int i = 0; i < count; i++) mean += x[start + i];
            mean /= count;
            for (int i = 0; i < count; i++) sq += (x[start + i] - mean) * (x[start + i] - mean);
            double inv = 1 / Math.Sqrt(sq / count + eps);
            for (int i = 0; i < count; i++)
            {
                int ch = g * cpg + i / s;
                y[start + i] = (float)((x[start + i] - mean) * inv * (weight?[ch] ?? 1) + (bias?[ch] ?? 0));
            }
        }
        return y;
    }

    /// <summary>F.layer_norm over the last dim of [rows, d].</summary>
    public static float[] LayerNorm(float[] x, int rows, int d, float[]? weight, float[]? bias, double eps)
    {
        var y = new float[x.Length];
        for (int r = 0; r < rows; r++)
        {
            double mean = 0, sq = 0;
            for (int i = 0; i < d; i++) mean += x[r * d + i];
            mean /= d;
            for (int i = 0; i < d; i++) sq += (x[r * d + i] - mean) * (x[r * d + i] - mean);
            double inv = 1 / Math.Sqrt(sq / d + eps);
            for (int i = 0; i < d; i++)
                y[r * d + i] = (float)((x[r * d + i] - mean) * inv * (weight?[i] ?? 1) + (bias?[i] ?? 0));
        }
        return y;
    }

    /// <summary>Softmax over the last dim of [rows, d].</summary>
    public static float[] Softmax(float[] x, int rows, int d)
    {
        var y = new float[x.Length];
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int i = 0; i < d; i++) max = Math.Max(max, x[r * d + i]);
            for (int i = 0; i < d; i++) sum += Math.Exp(x[r * d + i] - max);
            for (int i = 0; i < d; i++) y[r * d + i] = (float)(Math.Exp(x[r * d + i] - max) / sum);
        }
        return y;
    }

    /// <summary>Attention for [BH, Lq, d] x [BH, Lk, d] x [BH, Lk, dv] with an additive mask [Lq, Lk] (or null).</summary>
    public static float[] Attention(float[] q, float[] k, float[] v, int bh, int lq, int lk, int d, int dv, double scale, double[,]? mask)
    {
        var o = new float[bh * lq * dv];
        var p = new double[lk];
        for (int b = 0; b < bh; b++)
        for (int i = 0; i < lq; i++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < lk; j++)
            {
                double s = 0;
                for (int t = 0; t < d; t++) s += (double)q[(b * lq + i) * d + t] * k[(b * lk + j) * d + t];
                p[j] = s * scale + (mask?[i, j] ?? 0);
                max = Math.Max(max, p[j]);
            }
            double sum = 0;
            for (int j = 0; j < lk; j++) { p[j] = Math.Exp(p[j] - max); sum += p[j]; }
            for (int t = 0; t < dv; t++)
            {
                double acc = 0;
                for (int j = 0; j < lk; j++) acc += p[j] / sum * v[(b * lk + j) * dv + t];
                o[(b * lq + i) * dv + t] = (float)acc;
            }
        }
        return o;
    }

    public static double Erf(double x)
    {
        // Abramowitz-Stegun 7.1.26 is too coarse for 1e-6 checks; integrate the series instead.
        double sum = x, term = x, x2 = x * x;
        for (int n = 1; n < 200; n++)
        {
            term *= -x2 / n;
            double add = term / (2 * n + 1);
            sum += add;
            if (Math.Abs(add) < 1e-17) break;
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }
}
