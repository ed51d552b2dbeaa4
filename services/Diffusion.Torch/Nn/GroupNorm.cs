namespace Diffusion.Torch.Nn;

/// <summary>torch.nn.GroupNorm: normalizes [N, C, *] over groups of C/groups channels, then scales by
/// weight [C] and shifts by bias [C] (ones and zeros until loaded).</summary>
public sealed class GroupNorm : Module
{
    /// <summary>Creates the layer.</summary>
    public GroupNorm(long numGroups, long numChannels, double eps = 1e-5, bool affine = true, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        if (numGroups < 1 || numChannels % numGroups != 0)
            throw new ArgumentException($"{numChannels} channels are not divisible into {numGroups} groups", nameof(numGroups));
        NumGroups = numGroups;
        NumChannels = numChannels;
        Eps = eps;
        RegisterParameter("weight", affine ? Tensor.Ones([numChannels], dtype, device) : null);
        RegisterParameter("bias", affine ? Tensor.Zeros([numChannels], dtype, device) : null);
    }

    /// <summary>Number of groups.</summary>
    public long NumGroups { get; }
    /// <summary>Number of channels.</summary>
    public long NumChannels { get; }
    /// <summary>Added to the variance.</summary>
    public double Eps { get; }

    /// <summary>[C] or null when not affine.</summary>
    public Tensor? Weight => GetTensor("weight");
    /// <summary>[C] or null when not affine.</summary>
    public Tensor? Bias => GetTensor("bias");

    /// <summary>[N, C, *] -> same shape.</summary>
    public Tensor Forward(Tensor x) => x.GroupNorm(NumGroups, Weight, Bias, Eps);
}
