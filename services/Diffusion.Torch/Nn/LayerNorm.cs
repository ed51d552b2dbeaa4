namespace Diffusion.Torch.Nn;

/// <summary>torch.nn.LayerNorm over the trailing <see cref="NormalizedShape"/> with weight and bias of
/// that shape (ones and zeros until loaded).</summary>
public sealed class LayerNorm : Module
{
    private readonly long[] _normalizedShape;

    /// <summary>Normalizes over the last dimension of size <paramref name="dim"/>.</summary>
    public LayerNorm(long dim, double eps = 1e-5, bool elementwiseAffine = true, ScalarType dtype = ScalarType.Float32, Device? device = null)
        : this([dim], eps, elementwiseAffine, dtype, device) { }

    /// <summary>Normalizes over the trailing dimensions <paramref name="normalizedShape"/>.</summary>
    public LayerNorm(long[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        _normalizedShape = (long[])normalizedShape.Clone();
        Eps = eps;
        RegisterParameter("weight", elementwiseAffine ? Tensor.Ones(_normalizedShape, dtype, device) : null);
        RegisterParameter("bias", elementwiseAffine ? Tensor.Zeros(_normalizedShape, dtype, device) : null);
    }

    /// <summary>The normalized trailing shape.</summary>
    public long[] NormalizedShape => (long[])_normalizedShape.Clone();
    /// <summary>Added to the variance.</summary>
    public double Eps { get; }
    /// <summary>Scale, or null without elementwise affine.</summary>
    public Tensor? Weight => GetTensor("weight");
    /// <summary>Shift, or null without elementwise affine.</summary>
    public Tensor? Bias => GetTensor("bias");

    /// <summary>[..., *NormalizedShape] -> same shape.</summary>
    public Tensor Forward(Tensor x) => x.LayerNorm(_normalizedShape, Weight, Bias, Eps);
}
