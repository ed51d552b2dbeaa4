namespace Diffusion.Torch.Nn;

/// <summary>torch.nn.Conv2d with square kernel, stride, padding and dilation: weight
/// [out, in/groups, k, k], bias [out] (zeros until loaded).</summary>
public sealed class Conv2d : Module
{
    /// <summary>Creates the layer with zero parameters of <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    public Conv2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, long dilation = 1,
        long groups = 1, bool bias = true, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        if (groups < 1 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"channels ({inChannels} -> {outChannels}) must be divisible by groups ({groups})", nameof(groups));
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        Dilation = dilation;
        Groups = groups;
        RegisterParameter("weight", Tensor.Zeros([outChannels, inChannels / groups, kernelSize, kernelSize], dtype, device));
        RegisterParameter("bias", bias ? Tensor.Zeros([outChannels], dtype, device) : null);
    }

    /// <summary>Input channels.</summary>
    public long InChannels { get; }
    /// <summary>Output channels.</summary>
    public long OutChannels { get; }
    /// <summary>Kernel height and width.</summary>
    public long KernelSize { get; }
    /// <summary>Stride on both axes.</summary>
    public long Stride { get; }
    /// <summary>Zero padding on each side of both axes.</summary>
    public long Padding { get; }
    /// <summary>Dilation on both axes.</summary>
    public long Dilation { get; }
    /// <summary>Channel groups.</summary>
    public long Groups { get; }

    /// <summary>[out, in/groups, k, k].</summary>
    public Tensor Weight => GetTensor("weight")!;

    /// <summary>[out], or null without bias.</summary>
    public Tensor? Bias => GetTensor("bias");

    /// <summary>[N, in, H, W] -> [N, out, H', W'].</summary>
    public Tensor Forward(Tensor x) => x.Conv2d(Weight, Bias, Stride, Padding, Dilation, Groups);
}
