using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.UNet;

/// <summary>diffusers <c>ResnetBlock2D</c> (pre-norm, SiLU, <c>time_embedding_norm="default"</c>):
/// <c>out = (shortcut(x) + conv2(silu(norm2(conv1(silu(norm1(x))) + time_emb_proj(silu(temb)))))) / scale</c>.
/// Without time channels (the VAE) there is no <c>time_emb_proj</c>. A 1x1 <c>conv_shortcut</c> exists
/// when the channel count changes.</summary>
public sealed class ResnetBlock2D : Module
{
    private readonly GroupNorm _norm1;
    private readonly Conv2d _conv1;
    private readonly Linear? _timeEmbProj;
    private readonly GroupNorm _norm2;
    private readonly Conv2d _conv2;
    private readonly Conv2d? _convShortcut;
    private readonly double _outputScaleFactor;

    /// <summary>Creates the block with uninitialized (zero) parameters.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="tembChannels">Width of the time embedding, or null for none (VAE).</param>
    /// <param name="groups">GroupNorm groups (both norms).</param>
    /// <param name="eps">GroupNorm epsilon.</param>
    /// <param name="outputScaleFactor">Divides the residual sum.</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="device">Parameter device (null: CPU).</param>
    public ResnetBlock2D(int inChannels, int outChannels, int? tembChannels, int groups, double eps, double outputScaleFactor,
        ScalarType dtype, Device? device)
    {
        _norm1 = RegisterModule("norm1", new GroupNorm(groups, inChannels, eps, true, dtype, device));
        _conv1 = RegisterModule("conv1", new Conv2d(inChannels, outChannels, 3, 1, 1, dtype: dtype, device: device));
        if (tembChannels is int t)
            _timeEmbProj = RegisterModule("time_emb_proj", new Linear(t, outChannels, true, dtype, device));
        _norm2 = RegisterModule("norm2", new GroupNorm(groups, outChannels, eps, true, dtype, device));
        _conv2 = RegisterModule("conv2", new Conv2d(outChannels, outChannels, 3, 1, 1, dtype: dtype, device: device));
        if (inChannels != outChannels)
            _convShortcut = RegisterModule("conv_shortcut", new Conv2d(inChannels, outChannels, 1, dtype: dtype, device: device));
        _outputScaleFactor = outputScaleFactor;
    }

    /// <summary>[B, Cin, H, W] (+ temb [B, T]) -> [B, Cout, H, W].</summary>
    public Tensor Forward(Tensor x, Tensor? temb)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = TensorScope.Enter();
        // SiLU in place on the fresh norm/linear output saves one activation-sized allocation.
        var h = _conv1.Forward(_norm1.Forward(x).SiluInPlace());
        if (_timeEmbProj is not null && temb is not null)
            h.AddInPlace(_timeEmbProj.Forward(temb.Silu()).Unsqueeze(-1).Unsqueeze(-1)); // + [B, Cout, 1, 1]
        h = _conv2.Forward(_norm2.Forward(h).SiluInPlace());
        var shortcut = _convShortcut is null ? x : _convShortcut.Forward(x);
        var output = h.AddInPlace(shortcut); // h is this block's own fresh tensor; x + h == h + x exactly
        if (_outputScaleFactor != 1.0) output.DivInPlace(_outputScaleFactor);
        return output.MoveToOuterScope();
    }
}
