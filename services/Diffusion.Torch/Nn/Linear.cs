namespace Diffusion.Torch.Nn;

/// <summary>torch.nn.Linear: y = x W^T + b with weight [out, in] and bias [out] (zeros until loaded).</summary>
public sealed class Linear : Module
{
    /// <summary>Creates the layer with zero parameters of <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    public Linear(long inFeatures, long outFeatures, bool bias = true, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        RegisterParameter("weight", Tensor.Zeros([outFeatures, inFeatures], dtype, device));
        RegisterParameter("bias", bias ? Tensor.Zeros([outFeatures], dtype, device) : null);
    }

    /// <summary>Input features.</summary>
    public long InFeatures { get; }

    /// <summary>Output features.</summary>
    public long OutFeatures { get; }

    /// <summary>[out, in].</summary>
    public Tensor Weight => GetTensor("weight")!;

    /// <summary>[out], or null without bias.</summary>
    public Tensor? Bias => GetTensor("bias");

    /// <summary>[..., in] -> [..., out].</summary>
    public Tensor Forward(Tensor x) => x.Linear(Weight, Bias);
}
