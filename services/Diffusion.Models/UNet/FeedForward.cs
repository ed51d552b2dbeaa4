using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.UNet;

/// <summary>diffusers <c>FeedForward(activation_fn="geglu")</c>: <c>net = [GEGLU(dim, 4·dim), Dropout, Linear(4·dim, dim)]</c>.</summary>
public sealed class FeedForward : Module
{
    private readonly Geglu _geglu;
    private readonly Linear _out;

    /// <summary>Creates the feed-forward with inner width <paramref name="innerDim"/>.</summary>
    public FeedForward(int dim, int innerDim, ScalarType dtype, Device? device)
    {
        _geglu = new Geglu(dim, innerDim, dtype, device);
        _out = new Linear(innerDim, dim, true, dtype, device);
        RegisterModule("net", new ModuleList<Module>([_geglu, new Dropout(), _out]));
    }

    /// <summary>[B, N, dim] -> [B, N, dim].</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = TensorScope.Enter();
        return _out.Forward(_geglu.Forward(x)).MoveToOuterScope();
    }
}
