using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.Vae;

/// <summary>diffusers VAE <c>Encoder</c> (double_z): conv_in, <see cref="DownEncoderBlock2D"/>s (all but
/// the last halve the size), <see cref="UNetMidBlock2D"/>, GroupNorm (eps 1e-6), SiLU, conv_out to
/// 2 × latent channels.</summary>
public sealed class Encoder : Module
{
    private readonly Conv2d _convIn;
    private readonly ModuleList<DownEncoderBlock2D> _downBlocks;
    private readonly UNetMidBlock2D _midBlock;
    private readonly GroupNorm _convNormOut;
    private readonly Conv2d _convOut;

    /// <summary>Creates the encoder for <paramref name="config"/>.</summary>
    public Encoder(AutoencoderKLConfig config, ScalarType dtype, Device? device)
    {
        ArgumentNullException.ThrowIfNull(config);
        var ch = config.BlockOutChannels;
        var groups = config.NormNumGroups;
        _convIn = RegisterModule("conv_in", new Conv2d(config.InChannels, ch[0], 3, 1, 1, dtype: dtype, device: device));
        var blocks = new List<DownEncoderBlock2D>();
        var output = ch[0];
        for (var i = 0; i < ch.Count; i++)
        {
            var input = output;
            output = ch[i];
            blocks.Add(new DownEncoderBlock2D(config.LayersPerBlock, input, output, groups, i != ch.Count - 1, dtype, device));
        }
        _downBlocks = RegisterModule("down_blocks", new ModuleList<DownEncoderBlock2D>(blocks));
        _midBlock = RegisterModule("mid_block", new UNetMidBlock2D(ch[^1], groups, dtype, device));
        _convNormOut = RegisterModule("conv_norm_out", new GroupNorm(groups, ch[^1], 1e-6, true, dtype, device));
        _convOut = RegisterModule("conv_out", new Conv2d(ch[^1], 2 * config.LatentChannels, 3, 1, 1, dtype: dtype, device: device));
    }

    /// <summary>[B, Cin, H, W] -> [B, 2·latent, H/f, W/f].</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = TensorScope.Enter();
        // SiLU in place on the fresh norm/linear output saves one activation-sized allocation.
        var h = _convIn.Forward(x);
        foreach (var block in _downBlocks) h = block.Forward(h);
        h = _midBlock.Forward(h);
        h = _convOut.Forward(_convNormOut.Forward(h).SiluInPlace());
        return h.MoveToOuterScope();
    }
}
