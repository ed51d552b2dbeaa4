namespace Diffusion.Torch.Benchmarks;

/// <summary>Times each case through our binding.</summary>
public static class OurOps
{
    // Max |x - y| / max |v|: the output is a convex combination of value rows.
    private static double MaxRelativeError(Tensor x, Tensor y, Tensor v)
    {
        float[] a = x.ToFloatArray(), b = y.ToFloatArray(), values = v.ToFloatArray();
        double worst = 0;
        for (int i = 0; i < a.Length; i++) worst = Math.Max(worst, Math.Abs(a[i] - b[i]));
        return worst / values.Max(Math.Abs);
    }

    /// <summary>Times <paramref name="c"/> on random inputs (seeded, drawn in float32, then converted to <paramref name="dtype"/>) on the CPU.</summary>
    public static Timing Run(BenchCase c, int warmup, int iters, ScalarType dtype = ScalarType.Float32)
    {
        using var a = Torch.Randn(c.A, 1, dtype);
        using var b = Torch.Randn(c.B, 2, dtype);
        switch (c.Kind)
        {
            case OpKind.Conv2d:
            {
                using var bias = Torch.Randn([c.B[0]], 3, dtype);
                return Timing.Measure(() => a.Conv2d(b, bias, padding: c.Padding).Dispose(), warmup, iters);
            }
            case OpKind.MatMul:
                return Timing.Measure(() => a.MatMul(b).Dispose(), warmup, iters);
            case OpKind.Attention:
            {
                using var v = Torch.Randn(c.B, 3, dtype);
                Func<Tensor> call = c.Variant switch
                {
                    "fused" => () => Tensor.ScaledDotProductAttention(a, b, v),
                    "math" => () => Tensor.ScaledDotProductAttentionMath(a, b, v),
                    _ => throw new ArgumentException($"unknown attention variant for ours: {c.Variant}"),
                };
                var timing = Timing.Measure(() => call().Dispose(), warmup, iters);
                if (c.Variant != "fused") return timing;
                using var fused = call();
                using var math = Tensor.ScaledDotProductAttentionMath(a, b, v);
                return timing with { MaxRelativeError = MaxRelativeError(fused, math, v) };
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(c));
        }
    }
}
