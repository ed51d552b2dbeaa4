using Diffusion.Testing;

namespace Diffusion.Torch.Tests;

public class AttentionTests
{
    private const int B = 2, H = 3, Lq = 5, Lk = 7, D = 4, Dv = 6;

    private static (float[] Q, float[] K, float[] V) Inputs(int lk = Lk) =>
        (ManagedReference.Random(B * H * Lq * D, 21), ManagedReference.Random(B * H * lk * D, 22), ManagedReference.Random(B * H * lk * Dv, 23));

    [Fact]
    public void ScaledDotProductAttention_NoMask_MatchesManagedSoftmaxAttention()
    {
        var (q, k, v) = Inputs();
        using var tq = Tensor.FromArray(q, B, H, Lq, D);
        using var tk = Tensor.FromArray(k, B, H, Lk, D);
        using var tv = Tensor.FromArray(v, B, H, Lk, Dv);

        using var o = Tensor.ScaledDotProductAttention(tq, tk, tv);

        Assert.Equal([(long)B, H, Lq, Dv], o.Shape);
        var expected = ManagedReference.Attention(q, k, v, B * H, Lq, Lk, D, Dv, 1 / Math.Sqrt(D), null);
        Comparison.AssertClose(expected, o.ToArray<float>(), 1e-5, "sdpa");
    }

    [Fact]
    public void ScaledDotProductAttention_CausalAndCustomScale_MatchesManagedMaskedAttention()
    {
        var (q, k, v) = Inputs(lk: Lq);
        using var tq = Tensor.FromArray(q, B, H, Lq, D);
        using var tk = Tensor.FromArray(k, B, H, Lq, D);
        using var tv = Tensor.FromArray(v, B, H, Lq, Dv);
        var causal = new double[Lq, Lq];
        for (int i = 0; i < Lq; i++) for (int j = i + 1; j < Lq; j++) causal[i, j] = double.NegativeInfinity;

        using var o = Tensor.ScaledDotProductAttention(tq, tk, tv, isCausal: true, scale: 0.3);

        Comparison.AssertClose(ManagedReference.Attention(q, k, v, B * H, Lq, Lq, D, Dv, 0.3, causal), o.ToArray<float>(), 1e-5, "causal sdpa");
    }

    [Fact]
    public void ScaledDotProductAttention_AdditiveAndBoolMasks_MatchManaged()
    {
        var (q, k, v) = Inputs();
        var additive = new float[Lq * Lk];
        var allowed = new bool[Lq * Lk];
        var mask = new double[Lq, Lk];
        for (int i = 0; i < Lq; i++)
        for (int j = 0; j < Lk; j++)
        {
            allowed[i * Lk + j] = (i + j) % 3 != 0 || j == 0;
            additive[i * Lk + j] = allowed[i * Lk + j] ? 0.1f * j : float.NegativeInfinity;
        }
        using var tq = Tensor.FromArray(q, B, H, Lq, D);
        using var tk = Tensor.FromArray(k, B, H, Lk, D);
        using var tv = Tensor.FromArray(v, B, H, Lk, Dv);
        using var tAdd = Tensor.FromArray(additive, 1, 1, Lq, Lk);
        using var tBool = Tensor.FromArray(allowed, [Lq, Lk]);

        using var withAdditive = Tensor.ScaledDotProductAttention(tq, tk, tv, tAdd);
        using var withBool = Tensor.ScaledDotProductAttention(tq, tk, tv, tBool);

        for (int i = 0; i < Lq; i++) for (int j = 0; j < Lk; j++) mask[i, j] = additive[i * Lk + j];
        Comparison.AssertClose(ManagedReference.Attention(q, k, v, B * H, Lq, Lk, D, Dv, 0.5, mask), withAdditive.ToArray<float>(), 1e-5, "additive mask");
        for (int i = 0; i < Lq; i++) for (int j = 0; j < Lk; j++) mask[i, j] = allowed[i * Lk + j] ? 0 : double.NegativeInfinity;
        Comparison.AssertClose(ManagedReference.Attention(q, k, v, B * H, Lq, Lk, D, Dv, 0.5, mask), withBool.ToArray<float>(), 1e-5, "bool mask");
    }

    [Fact]
    public void ScaledDotProductAttention_MaskAndCausalTogether_CombinesBoth()
    {
        var (q, k, v) = Inputs(lk: Lq);
        var padding = new float[Lq];
        padding[Lq - 1] = float.NegativeInfinity; // last key masked out, like a padded token
        using var tq = Tensor.FromArray(q, B, H, Lq, D);
        using var tk = Tensor.FromArray(k, B, H, Lq, D);
        using var tv = Tensor.FromArray(v, B, H, Lq, Dv);
        using var tm = Tensor.FromArray(padding, 1, 1, 1, Lq);
        var mask = new double[Lq, Lq];
        for (int i = 0; i < Lq; i++)
        for (int j = 0; j < Lq; j++)
            mask[i, j] = j > i || j == Lq - 1 ? double.NegativeInfinity : 0;

        using var o = Tensor.ScaledDotProductAttention(tq, tk, tv, tm, isCausal: true);
        using var math = Tensor.ScaledDotProductAttentionMath(tq, tk, tv, tm, isCausal: true);

        var expected = ManagedReference.Attention(q, k, v, B * H, Lq, Lq, D, Dv, 0.5, mask);
        Comparison.AssertClose(expected, o.ToArray<float>(), 1e-5, "mask + causal");
        Comparison.AssertClose(expected, math.ToArray<float>(), 1e-5, "math mask + causal");
    }

    [Fact]
    public void ScaledDotProductAttentionMath_Float16_StaysCloseToFloat32()
    {
        var (q, k, v) = Inputs();
        using var tq = Tensor.FromArray(q, [B, H, Lq, D], dtype: ScalarType.Float16);
        using var tk = Tensor.FromArray(k, [B, H, Lk, D], dtype: ScalarType.Float16);
        using var tv = Tensor.FromArray(v, [B, H, Lk, Dv], dtype: ScalarType.Float16);

        using var o = Tensor.ScaledDotProductAttentionMath(tq, tk, tv);

        Assert.Equal(ScalarType.Float16, o.Dtype);
        var expected = ManagedReference.Attention(q, k, v, B * H, Lq, Lk, D, Dv, 0.5, null);
        Comparison.AssertClose(expected, o.ToFloatArray(), 5e-3, "fp16 math attention");
    }

    [Fact]
    public void ScaledDotProductAttention_WrongRank_ThrowsTorchException()
    {
        using var q = Tensor.Zeros([2, 5, 4]);

        var e = Assert.Throws<TorchException>(() => Tensor.ScaledDotProductAttention(q, q, q));
        Assert.Contains("[B, H, L, d]", e.Message);
    }
}
