using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.Clip;

/// <summary>transformers <c>CLIPMLP</c>: fc2(act(fc1(x))) with act = quick_gelu or gelu.</summary>
public sealed class ClipMlp : Module
{
    private readonly Linear _fc1;
    private readonly Linear _fc2;
    private readonly bool _quickGelu;

    /// <summary>Creates zero layers for <paramref name="config"/>.</summary>
    public ClipMlp(ClipTextConfig config, ScalarType dtype, Device? device)
    {
        ArgumentNullException.ThrowIfNull(config);
        _quickGelu = config.HiddenAct switch
        {
            "quick_gelu" => true,
            "gelu" => false,
            _ => throw new ArgumentException($"unsupported hidden_act '{config.HiddenAct}'", nameof(config)),
        };
        _fc1 = RegisterModule("fc1", new Linear(config.HiddenSize, config.IntermediateSize, true, dtype, device));
        _fc2 = RegisterModule("fc2", new Linear(config.IntermediateSize, config.HiddenSize, true, dtype, device));
    }

    /// <summary>[B, L, D] -> [B, L, D].</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = TensorScope.Enter();
        var h = _fc1.Forward(x);
        // transformers ACT2FN: "quick_gelu" = x * sigmoid(1.702 x); "gelu" = exact erf GELU.
        h = _quickGelu ? h.QuickGelu() : h.Gelu(tanhApproximation: false);
        return _fc2.Forward(h).MoveToOuterScope();
    }
}
