using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.UNet;

/// <summary>diffusers <c>Attention</c> with <c>AttnProcessor2_0</c>: multi-head scaled dot-product
/// attention (scale dim_head^-0.5) with to_q/to_k/to_v and <c>to_out.0</c> (biased). Two uses:
/// the transformer blocks (tokens [B, N, C], no q/k/v bias, optional cross-attention context) and the
/// VAE mid block (<c>_from_deprecated_attn_block</c>: image input [B, C, H, W], q/k/v bias, a
/// <c>group_norm</c> first, residual connection and <c>rescale_output_factor</c>).</summary>
public sealed class Attention : Module
{
    private readonly GroupNorm? _groupNorm;
    private readonly Linear _toQ;
    private readonly Linear _toK;
    private readonly Linear _toV;
    private readonly ModuleList<Module> _toOut;
    private readonly int _heads;
    private readonly bool _residualConnection;
    private readonly double _rescaleOutputFactor;

    /// <summary>Creates the attention with zero parameters.</summary>
    /// <param name="queryDim">Channels of the query input (and of the output).</param>
    /// <param name="crossAttentionDim">Channels of the context (null: self-attention, = queryDim).</param>
    /// <param name="heads">Number of heads.</param>
    /// <param name="dimHead">Channels per head (inner dim = heads × dimHead).</param>
    /// <param name="bias">Whether to_q/to_k/to_v have biases.</param>
    /// <param name="normGroups">GroupNorm groups applied to the input first (null: none).</param>
    /// <param name="eps">Epsilon of that GroupNorm.</param>
    /// <param name="residualConnection">Adds the input to the output.</param>
    /// <param name="rescaleOutputFactor">Divides the output (after the residual).</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="device">Parameter device.</param>
    public Attention(int queryDim, int? crossAttentionDim, int heads, int dimHead, bool bias, int? normGroups, double eps,
        bool residualConnection, double rescaleOutputFactor, ScalarType dtype, Device? device)
    {
        var inner = heads * dimHead;
        var kvDim = crossAttentionDim ?? queryDim;
        _heads = heads;
        _residualConnection = residualConnection;
        _rescaleOutputFactor = rescaleOutputFactor;
        if (normGroups is int g)
            _groupNorm = RegisterModule("group_norm", new GroupNorm(g, queryDim, eps, true, dtype, device));
        _toQ = RegisterModule("to_q", new Linear(queryDim, inner, bias, dtype, device));
        _toK = RegisterModule("to_k", new Linear(kvDim, inner, bias, dtype, device));
        _toV = RegisterModule("to_v", new Linear(kvDim, inner, bias, dtype, device));
        _toOut = RegisterModule("to_out", new ModuleList<Module>([new Linear(inner, queryDim, true, dtype, device), new Dropout()]));
    }

    /// <summary>Tokens [B, N, C] (context [B, L, Dctx] or null for self-attention) -> [B, N, C]; or an
    /// image [B, C, H, W] -> [B, C, H, W] (attention over the H×W positions).</summary>
    public Tensor Forward(Tensor hiddenStates, Tensor? context = null)
    {
        ArgumentNullException.ThrowIfNull(hiddenStates);
        using var scope = TensorScope.Enter();
        var residual = hiddenStates;
        var shape = hiddenStates.Shape;
        var image = shape.Length == 4;
        var x = hiddenStates;
        // diffusers normalizes [B, C, H*W]; GroupNorm over [B, C, H, W] reduces over the same elements.
        if (_groupNorm is not null) x = _groupNorm.Forward(x);
        if (image) x = x.View(shape[0], shape[1], shape[2] * shape[3]).Transpose(1, 2); // [B, HW, C]
        var ctx = context ?? x;
        long b = x.Size(0), n = x.Size(1);
        var q = _toQ.Forward(x);
        var k = _toK.Forward(ctx);
        var v = _toV.Forward(ctx);
        var inner = q.Size(2);
        var dh = inner / _heads;
        Tensor Heads(Tensor t) => t.View(b, t.Size(1), _heads, dh).Transpose(1, 2); // [B, heads, N, dh]
        var o = Tensor.ScaledDotProductAttention(Heads(q), Heads(k), Heads(v));
        o = o.Transpose(1, 2).Reshape(b, n, inner);                               // [B, N, inner]
        o = ((Linear)_toOut[0]).Forward(o);                                        // [B, N, C]
        if (image) o = o.Transpose(1, 2).Reshape(shape);                          // [B, C, H, W]
        if (_residualConnection) o = o.Add(residual);
        if (_rescaleOutputFactor != 1.0) o = o.Div(_rescaleOutputFactor);
        return o.MoveToOuterScope();
    }
}
