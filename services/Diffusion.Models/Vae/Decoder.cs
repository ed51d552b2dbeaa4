using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.Vae;

/// <summary>diffusers VAE <c>Decoder</c>: conv_in, <see cref="UNetMidBlock2D"/>, <see cref="UpDecoderBlock2D"/>s
/// over the reversed channels (all but the last double the size, each with layers_per_block + 1 resnets),
/// GroupNorm (eps 1e-6), SiLU, conv_out.</summary>
public sealed class Decoder : Module
{
    private readonly Conv2d _convIn;
    private readonly UNetMidBlock2D _midBlock;
    private readonly ModuleList<UpDecoderBlock2D> _upBlocks;
    private readonly GroupNorm _convNormOut;
    private readonly Conv2d _convOut;

    /// <summary>Creates the decoder for <paramref name="config"/>.</summary>
    public Decoder(AutoencoderKLConfig config, ScalarType dtype, Device? device)
    {
        ArgumentNullException.ThrowIfNull(config);
        var reversed = config.BlockOutChannels.Reverse().ToArray();
        var groups = config.NormNumGroups;
        _convIn = RegisterModule("conv_in", new Conv2d(config.LatentChannels, reversed[0], 3, 1, 1, dtype: dtype, device: device));
        _midBlock = RegisterModule("mid_block", new UNetMidBlock2D(reversed[0], groups, dtype, device));
        var blocks = new List<UpDecoderBlock2D>();
        var output = reversed[0];
        for (var i = 0; i < reversed.Length; i++)
        {
            var prev = output;
            output = reversed[i];
            blocks.Add(new UpDecoderBlock2D(config.LayersPerBlock + 1, prev, output, groups, i != reversed.Length - 1, dtype, device));
        }
        _upBlocks = RegisterModule("up_blocks", new ModuleList<UpDecoderBlock2D>(blocks));
        _convNormOut = RegisterModule("conv_norm_out", new GroupNorm(groups, reversed[^1], 1e-6, true, dtype, device));
        _convOut = RegisterModule("conv_out", new Conv2d(reversed[^1], config.OutChannels, 3, 1, 1, dtype: dtype, device: device));
    }

    /// <summary>[B, latent, h, w] -> [B, Cout, h·f, w·f].</summary>
    public Tensor Forward(Tensor z)
    {
        using var scope = TensorScope.Enter();
        // SiLU in place on the fresh norm/linear output saves one activation-sized allocation.
        var h = _convIn.Forward(z);
        h = _midBlock.Forward(h);
        foreach (var block in _upBlocks) h = block.Forward(h);
        h = _convOut.Forward(_convNormOut.Forward(h).SiluInPlace());
        return h.MoveToOuterScope();
    }
}
