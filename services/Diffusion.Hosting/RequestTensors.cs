using Diffusion.Contracts;
using Diffusion.Contracts.V1;

namespace Diffusion.Hosting;

/// <summary>Reads float tensors out of requests with every check a handler needs before compute:
/// the Tensor contract (<see cref="TensorValidation"/>), a float dtype, the rank, and finite values.</summary>
public static class RequestTensors
{
    /// <summary>The dtypes accepted for float inputs (widened to float32 on receipt).</summary>
    public static IReadOnlyCollection<DType> FloatTypes { get; } = [DType.F32, DType.F16, DType.Bf16];

    /// <summary>Validates <paramref name="tensor"/> and returns its values as float32 with its shape.</summary>
    /// <param name="field">The request field, named in every error.</param>
    /// <param name="rank">The required rank.</param>
    /// <exception cref="TensorValidationException">Malformed, wrong dtype or rank, an empty dimension, or a NaN/Inf value.</exception>
    public static (float[] Values, long[] Shape) ReadFloats(Tensor? tensor, string field, int rank, TensorLimits? limits = null)
    {
        TensorValidation.Validate(tensor, field, limits, rank, FloatTypes);
        var shape = Tensors.Shape(tensor!);
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 0)
                throw new TensorValidationException(field, $"dimension {i} of shape {TensorValidation.FormatShape(tensor!)} is empty");
        }
        var values = Tensors.ToFloats(tensor!);
        RequireFinite(values, field);
        return (values, shape);
    }

    /// <summary>Throws when a value is NaN or infinite (naming the first one's flat index).</summary>
    /// <exception cref="TensorValidationException">A value is not finite.</exception>
    public static void RequireFinite(ReadOnlySpan<float> values, string field)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
                throw new TensorValidationException(field, $"element {i} is {values[i]}; every value must be finite");
        }
    }

    /// <summary>Throws unless <paramref name="shape"/> equals <paramref name="expected"/>.</summary>
    /// <param name="what">What the expected shape is, e.g. "[N, C, h, w] = [2, 4, 8, 8]".</param>
    public static void RequireShape(long[] shape, long[] expected, string field, string what)
    {
        if (!shape.AsSpan().SequenceEqual(expected))
            throw new TensorValidationException(field, $"has shape [{string.Join(", ", shape)}] but {what} [{string.Join(", ", expected)}] is required");
    }
}
