using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.Clip;

/// <summary>transformers <c>CLIPEncoder</c>: the stack of <see cref="ClipEncoderLayer"/> under "layers".</summary>
public sealed class ClipEncoder : Module
{
    private readonly ModuleList<ClipEncoderLayer> _layers;

    /// <summary>Creates num_hidden_layers layers.</summary>
    public ClipEncoder(ClipTextConfig config, ScalarType dtype, Device? device)
    {
        ArgumentNullException.ThrowIfNull(config);
        _layers = RegisterModule("layers", new ModuleList<ClipEncoderLayer>(
            Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new ClipEncoderLayer(config, dtype, device))));
    }

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<ClipEncoderLayer> Layers => _layers;
}
