namespace Diffusion.Torch.Benchmarks;

/// <summary>Times each case through our binding.</summary>
public static class OurOps
{
    /// <summary>Times <paramref name="c"/> on random inputs (seeded) on the CPU.</summary>
    public static Timing Run(BenchCase c, int warmup, int iters)
    {
        using var a = Torch.Randn(c.A, 1);
        using var b = Torch.Randn(c.B, 2);
        switch (c.Kind)
        {
            case OpKind.Conv2d:
            {
                using var bias = Torch.Randn([c.B[0]], 3);
                return Timing.Measure(() => a.Conv2d(b, bias, padding: c.Padding).Dispose(), warmup, iters);
            }
            case OpKind.MatMul:
                return Timing.Measure(() => a.MatMul(b).Dispose(), warmup, iters);
            case OpKind.Attention:
            {
                using var v = Torch.Randn(c.B, 3);
                Func<Tensor> call = c.Variant switch
                {
                    "fused" => () => Tensor.ScaledDotProductAttention(a, b, v),
                    "math" => () => Tensor.ScaledDotProductAttentionMath(a, b, v),
                    _ => throw new ArgumentException($"unknown attention variant for ours: {c.Variant}"),
                };
                return Timing.Measure(() => call().Dispose(), warmup, iters);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(c));
        }
    }
}
