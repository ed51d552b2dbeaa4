namespace Diffusion.Torch.Benchmarks;

/// <summary>The op a case times.</summary>
public enum OpKind
{
    /// <summary>F.conv2d(x, w, b, padding) with x = <see cref="BenchCase.A"/> [N, C, H, W], w = <see cref="BenchCase.B"/> [O, C, kh, kw].</summary>
    Conv2d,

    /// <summary>torch.matmul(a, b): a = <see cref="BenchCase.A"/> [M, K], b = <see cref="BenchCase.B"/> [K, N].</summary>
    MatMul,

    /// <summary>Attention with q = <see cref="BenchCase.A"/> [B, H, Lq, d], k and v = <see cref="BenchCase.B"/> [B, H, Lk, d].</summary>
    Attention,
}

/// <summary>One timed workload, described identically to both sides (ours and the PyTorch child).</summary>
/// <param name="Name">Row name; the same name on both sides.</param>
/// <param name="Kind">The op.</param>
/// <param name="A">First input's shape.</param>
/// <param name="B">Second input's shape.</param>
/// <param name="Padding">Conv2d padding (both sides).</param>
/// <param name="Variant">Attention implementation: ours "fused" (Tensor.ScaledDotProductAttention) or "math"
/// (ScaledDotProductAttentionMath); torch "math" (diffusers AttnProcessor) or "sliced" (diffusers SlicedAttnProcessor).</param>
/// <param name="SliceSize">Batch*head rows per slice for the sliced variant.</param>
public sealed record BenchCase(string Name, OpKind Kind, long[] A, long[] B, long Padding = 0, string Variant = "", long SliceSize = 0)
{
    /// <summary>Floating-point operations of one call (multiply-add = 2), softmax excluded.</summary>
    public double Flops => Kind switch
    {
        // 2 * N * O * Hout * Wout * C * kh * kw (stride 1)
        OpKind.Conv2d => 2.0 * A[0] * B[0] * (A[2] + 2 * Padding - B[2] + 1) * (A[3] + 2 * Padding - B[3] + 1) * A[1] * B[2] * B[3],
        OpKind.MatMul => 2.0 * A[0] * A[1] * B[1],
        // Q K^T and P V: 2 * (2 * B * H * Lq * Lk * d)
        OpKind.Attention => 4.0 * A[0] * A[1] * A[2] * B[2] * A[3],
        _ => throw new ArgumentOutOfRangeException(nameof(Kind)),
    };
}
