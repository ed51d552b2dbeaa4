using Diffusion.Torch.Native;

namespace Diffusion.Torch;

// torch.nn.functional layers applied to this tensor.
public sealed partial class Tensor
{
    /// <summary>F.conv2d: this [N, Cin, H, W], weight [Cout, Cin/groups, kH, kW], bias [Cout] or null,
    /// the same stride/padding/dilation on both axes.</summary>
    public Tensor Conv2d(Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0, long dilation = 1, long groups = 1) =>
        Conv2d(weight, bias, (stride, stride), (padding, padding), (dilation, dilation), groups);

    /// <summary>F.conv2d with per-axis (height, width) stride, padding and dilation.</summary>
    public Tensor Conv2d(Tensor weight, Tensor? bias, (long H, long W) stride, (long H, long W) padding, (long H, long W) dilation, long groups = 1) =>
        Wrap(NativeMethods.dt_nn_conv2d(Handle, Arg(weight), Optional(bias), stride.H, stride.W, padding.H, padding.W,
            dilation.H, dilation.W, groups, out var r), r);

    /// <summary>F.linear: this [..., in] @ weight[out, in]^T + bias[out] -> [..., out].</summary>
    public Tensor Linear(Tensor weight, Tensor? bias = null) =>
        Wrap(NativeMethods.dt_nn_linear(Handle, Arg(weight), Optional(bias), out var r), r);

    /// <summary>F.group_norm over this [N, C, *] with <paramref name="groups"/> groups; weight/bias [C] or null.</summary>
    public Tensor GroupNorm(long groups, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5) =>
        Wrap(NativeMethods.dt_nn_group_norm(Handle, groups, Optional(weight), Optional(bias), eps, out var r), r);

    /// <summary>F.layer_norm over the trailing <paramref name="normalizedShape"/>; weight/bias of that shape or null.</summary>
    public unsafe Tensor LayerNorm(long[] normalizedShape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        fixed (long* s = normalizedShape)
            return Wrap(NativeMethods.dt_nn_layer_norm(Handle, s, normalizedShape.Length, Optional(weight), Optional(bias), eps, out var r), r);
    }

    /// <summary>F.embedding: rows of <paramref name="weight"/> [num, dim] picked by Int64/Int32 <paramref name="indices"/> -> [..., dim].</summary>
    public static Tensor Embedding(Tensor weight, Tensor indices) =>
        Wrap(NativeMethods.dt_nn_embedding(Arg(weight), Arg(indices), out var r), r);

    /// <summary>F.interpolate(mode="nearest", size=(height, width)) of this [N, C, H, W].</summary>
    public Tensor InterpolateNearest(long height, long width)
    {
        if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), "output size must be positive");
        return Wrap(NativeMethods.dt_nn_upsample_nearest2d(Handle, height, width, 0, 0, out var r), r);
    }

    /// <summary>F.interpolate(mode="nearest", scale_factor=scale) of this [N, C, H, W] (output floor(H*scale) x floor(W*scale)).</summary>
    public Tensor InterpolateNearest(double scaleFactor)
    {
        if (!(scaleFactor > 0)) throw new ArgumentOutOfRangeException(nameof(scaleFactor), scaleFactor, "scale must be positive");
        return Wrap(NativeMethods.dt_nn_upsample_nearest2d(Handle, 0, 0, scaleFactor, scaleFactor, out var r), r);
    }

    /// <summary>F.pad(mode="constant"): (before, after) pairs from the last dim, e.g. [left, right, top, bottom].</summary>
    public unsafe Tensor Pad(long[] pads, double value = 0)
    {
        ArgumentNullException.ThrowIfNull(pads);
        fixed (long* p = pads)
            return Wrap(NativeMethods.dt_nn_pad(Handle, p, pads.Length, value, out var r), r);
    }

    /// <summary>F.avg_pool2d with kernel = stride = <paramref name="kernel"/>, no padding.</summary>
    public Tensor AvgPool2d(long kernel) => Wrap(NativeMethods.dt_nn_avg_pool2d(Handle, kernel, kernel, out var r), r);

    /// <summary>x * sigmoid(x).</summary>
    public Tensor Silu() => Wrap(NativeMethods.dt_nn_silu(Handle, out var r), r);

    /// <summary>x * sigmoid(x) in place; returns this.</summary>
    public Tensor SiluInPlace()
    {
        NativeStatus.Check(NativeMethods.dt_nn_silu_(Handle));
        return this;
    }

    /// <summary>GELU: exact (erf) by default, or the tanh approximation (approximate="tanh").</summary>
    public Tensor Gelu(bool tanhApproximation = false) => Wrap(NativeMethods.dt_nn_gelu(Handle, tanhApproximation ? 1 : 0, out var r), r);

    /// <summary>x * sigmoid(1.702 x) (CLIP's quick_gelu).</summary>
    public Tensor QuickGelu() => Wrap(NativeMethods.dt_nn_quick_gelu(Handle, out var r), r);

    /// <summary>max(x, 0).</summary>
    public Tensor Relu() => Wrap(NativeMethods.dt_nn_relu(Handle, out var r), r);

    /// <summary>Softmax along <paramref name="dim"/>.</summary>
    public Tensor Softmax(long dim) => Wrap(NativeMethods.dt_nn_softmax(Handle, dim, out var r), r);

    /// <summary>Log-softmax along <paramref name="dim"/>.</summary>
    public Tensor LogSoftmax(long dim) => Wrap(NativeMethods.dt_nn_log_softmax(Handle, dim, out var r), r);

    /// <summary>softmax(q k^T * scale + mask) v for q [B, H, Lq, d], k [B, H, Lk, d], v [B, H, Lk, dv] -> [B, H, Lq, dv].
    /// <paramref name="mask"/>: additive float mask, or Bool where true = attend, broadcastable to [B, H, Lq, Lk].
    /// <paramref name="isCausal"/>: query i attends to keys j &lt;= i (combined with the mask when both are given).
    /// <paramref name="scale"/>: default 1/sqrt(d). libtorch's fused SDPA on 2.1+, the explicit math otherwise.</summary>
    public static Tensor ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor? mask = null, bool isCausal = false, double? scale = null) =>
        Wrap(NativeMethods.dt_attention_sdpa(Arg(query), Arg(key), Arg(value), Optional(mask), isCausal ? 1 : 0, scale ?? double.NaN, out var r), r);

    /// <summary><see cref="ScaledDotProductAttention"/> computed by the explicit math path on every libtorch
    /// (diffusers' AttnProcessor: baddbmm, softmax, bmm), for comparisons.</summary>
    public static Tensor ScaledDotProductAttentionMath(Tensor query, Tensor key, Tensor value, Tensor? mask = null, bool isCausal = false, double? scale = null) =>
        Wrap(NativeMethods.dt_attention_sdpa_math(Arg(query), Arg(key), Arg(value), Optional(mask), isCausal ? 1 : 0, scale ?? double.NaN, out var r), r);
}
