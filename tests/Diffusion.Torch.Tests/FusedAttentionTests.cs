namespace Diffusion.Torch.Tests;

/// <summary>The default attention (the fused CPU kernel on libtorch without SDPA, libtorch's SDPA
/// elsewhere) against the explicit math path, on every shape Stable Diffusion uses.</summary>
public class FusedAttentionTests
{
    private const double Tolerance = 1e-5;

    // Max |fused - math| relative to max |v| (the output is a convex combination of value rows).
    private static double RelativeError(Tensor fused, Tensor math, Tensor v)
    {
        using var a = fused.To(ScalarType.Float32);
        using var b = math.To(ScalarType.Float32);
        float[] x = a.ToFloatArray(), y = b.ToFloatArray(), values = v.ToFloatArray();
        double scale = values.Max(Math.Abs), worst = 0;
        for (int i = 0; i < x.Length; i++) worst = Math.Max(worst, Math.Abs(x[i] - y[i]));
        return worst / scale;
    }

    private static (Tensor Q, Tensor K, Tensor V) Random(long batch, long heads, long lq, long lk, long d, long dv, ulong seed) =>
        (Torch.Randn([batch, heads, lq, d], seed), Torch.Randn([batch, heads, lk, d], seed + 1), Torch.Randn([batch, heads, lk, dv], seed + 2));

    [Theory]
    // SD 1.5 self-attention at 64x64 latents (L = 4096/1024/256/64, head dims 40/80/160/160).
    [InlineData(1, 2, 4096, 4096, 40)]
    [InlineData(1, 8, 1024, 1024, 80)]
    [InlineData(2, 8, 256, 256, 160)]
    [InlineData(2, 8, 64, 64, 160)]
    // Cross-attention over 77 CLIP tokens.
    [InlineData(1, 8, 4096, 77, 40)]
    [InlineData(2, 8, 1024, 77, 80)]
    [InlineData(2, 8, 256, 77, 160)]
    // SD 2 (64-dim heads) and odd sizes: partial query/key blocks, head dims off the vector width.
    [InlineData(1, 5, 1024, 1024, 64)]
    [InlineData(2, 3, 37, 53, 23)]
    [InlineData(1, 1, 1, 1, 1)]
    [InlineData(1, 2, 300, 513, 17)]
    public void ScaledDotProductAttention_SdShapes_MatchesMathWithin1e5(long batch, long heads, long lq, long lk, long d)
    {
        var (q, k, v) = Random(batch, heads, lq, lk, d, d, (ulong)(lq * 31 + lk + d));
        using (q) using (k) using (v)
        {
            using var fused = Tensor.ScaledDotProductAttention(q, k, v);
            using var math = Tensor.ScaledDotProductAttentionMath(q, k, v);

            Assert.Equal(math.Shape, fused.Shape);
            double error = RelativeError(fused, math, v);
            Assert.True(error <= Tolerance, $"relative error {error:E3} for [{batch},{heads},{lq},{d}] x {lk}");
        }
    }

    [Theory]
    [InlineData(77, 77, 64)]    // CLIP ViT-L/14 text encoder (12 heads of 64)
    [InlineData(300, 300, 40)]  // several query and key blocks, partial last ones
    [InlineData(5, 9, 8)]       // more keys than queries: top-left aligned
    public void ScaledDotProductAttention_Causal_MatchesMath(long lq, long lk, long d)
    {
        var (q, k, v) = Random(2, 12, lq, lk, d, d, 7);
        using (q) using (k) using (v)
        {
            using var fused = Tensor.ScaledDotProductAttention(q, k, v, isCausal: true);
            using var math = Tensor.ScaledDotProductAttentionMath(q, k, v, isCausal: true);

            Assert.True(RelativeError(fused, math, v) <= Tolerance);
        }
    }

    [Fact]
    public void ScaledDotProductAttention_PaddingAndBoolMasksWithCustomScale_MatchMath()
    {
        const long B = 2, H = 4, L = 260, Lk = 77, D = 40;
        var (q, k, v) = Random(B, H, L, Lk, D, D, 11);
        // Additive key-padding mask per batch row [B, 1, 1, Lk] (tokens past 60 of row 1 masked), and a
        // bool [Lq, Lk] pattern with no fully masked row.
        var padding = new float[B * Lk];
        for (int j = 60; j < Lk; j++) padding[Lk + j] = float.NegativeInfinity;
        for (int j = 0; j < Lk; j++) padding[j] = 0.01f * j;
        var allowed = new bool[L * Lk];
        for (int i = 0; i < L; i++) for (int j = 0; j < Lk; j++) allowed[i * Lk + j] = (i * 7 + j) % 5 != 0 || j == 3;
        using (q) using (k) using (v)
        using (var additive = Tensor.FromArray(padding, B, 1, 1, Lk))
        using (var boolMask = Tensor.FromArray(allowed, [L, Lk]))
        {
            using var fusedAdd = Tensor.ScaledDotProductAttention(q, k, v, additive, scale: 0.2);
            using var mathAdd = Tensor.ScaledDotProductAttentionMath(q, k, v, additive, scale: 0.2);
            using var fusedBool = Tensor.ScaledDotProductAttention(q, k, v, boolMask, isCausal: false);
            using var mathBool = Tensor.ScaledDotProductAttentionMath(q, k, v, boolMask);

            Assert.True(RelativeError(fusedAdd, mathAdd, v) <= Tolerance, "additive padding mask");
            Assert.True(RelativeError(fusedBool, mathBool, v) <= Tolerance, "bool mask");
        }
    }

    [Fact]
    public void ScaledDotProductAttention_FullyMaskedRow_IsNaNLikeMath()
    {
        var (q, k, v) = Random(1, 1, 3, 4, 8, 8, 5);
        var additive = new float[3 * 4];
        for (int j = 0; j < 4; j++) additive[4 + j] = float.NegativeInfinity; // query row 1 sees nothing
        using (q) using (k) using (v)
        using (var mask = Tensor.FromArray(additive, 3, 4))
        {
            using var fused = Tensor.ScaledDotProductAttention(q, k, v, mask);
            using var math = Tensor.ScaledDotProductAttentionMath(q, k, v, mask);
            float[] f = fused.ToFloatArray(), m = math.ToFloatArray();

            for (int c = 0; c < 8; c++)
            {
                Assert.True(float.IsNaN(m[8 + c]) && float.IsNaN(f[8 + c]), $"column {c}: fused {f[8 + c]}, math {m[8 + c]}");
                Assert.Equal(m[c], f[c], 5);
            }
        }
    }

    [Fact]
    public void ScaledDotProductAttention_NonContiguousHeadsView_MatchesMath()
    {
        // diffusers' layout: [B, L, H, d] viewed as [B, H, L, d] without a copy.
        using var qBlhd = Torch.Randn([2, 100, 4, 40], 3);
        using var kBlhd = Torch.Randn([2, 77, 4, 40], 4);
        using var vBlhd = Torch.Randn([2, 77, 4, 40], 5);
        using var q = qBlhd.Transpose(1, 2);
        using var k = kBlhd.Transpose(1, 2);
        using var v = vBlhd.Transpose(1, 2);

        using var fused = Tensor.ScaledDotProductAttention(q, k, v);
        using var math = Tensor.ScaledDotProductAttentionMath(q, k, v);

        Assert.True(RelativeError(fused, math, v) <= Tolerance);
    }

    [Fact]
    public void ScaledDotProductAttention_BFloat16_MatchesFloat32MathOfSameInputs()
    {
        var (q, k, v) = Random(2, 8, 256, 77, 40, 40, 9);
        using (q) using (k) using (v)
        using (var qb = q.To(ScalarType.BFloat16))
        using (var kb = k.To(ScalarType.BFloat16))
        using (var vb = v.To(ScalarType.BFloat16))
        using (var qf = qb.To(ScalarType.Float32))
        using (var kf = kb.To(ScalarType.Float32))
        using (var vf = vb.To(ScalarType.Float32))
        {
            using var fused = Tensor.ScaledDotProductAttention(qb, kb, vb);
            using var math = Tensor.ScaledDotProductAttentionMath(qf, kf, vf);

            Assert.Equal(ScalarType.BFloat16, fused.Dtype);
            // Accumulation is float32; only the bf16 rounding of the output (8 bits of mantissa) remains.
            Assert.True(RelativeError(fused, math, vf) <= 1e-2);
        }
    }
}
