using Diffusion.Contracts.V1;

namespace Diffusion.Contracts;

/// <summary>Limits a received <see cref="Tensor"/> must respect.</summary>
/// <param name="MaxRank">Largest accepted number of dimensions.</param>
/// <param name="MaxDimension">Largest accepted size of any one dimension.</param>
/// <param name="MaxElements">Largest accepted element count (product of the shape).</param>
public sealed record TensorLimits(int MaxRank = 8, long MaxDimension = 1 << 20, long MaxElements = 1L << 28)
{
    public static TensorLimits Default { get; } = new();
}

/// <summary>Thrown when a received tensor is malformed; services map it to INVALID_ARGUMENT.</summary>
public sealed class TensorValidationException(string field, string reason)
    : ArgumentException($"{field}: {reason}")
{
    /// <summary>The request field that holds the tensor, e.g. "cond_embeddings".</summary>
    public string Field { get; } = field;
    public string Reason { get; } = reason;
}

/// <summary>Checks the Tensor contract on receipt: dtype known, rank and dimensions bounded,
/// byte length = product(shape) x element size.</summary>
public static class TensorValidation
{
    /// <summary>Bytes per element of <paramref name="dtype"/>, or 0 for an unknown dtype.</summary>
    public static int ElementSize(DType dtype) => dtype switch
    {
        DType.F32 => 4,
        DType.F16 => 2,
        DType.Bf16 => 2,
        DType.U8 => 1,
        DType.I64 => 8,
        _ => 0,
    };

    /// <summary>Validates <paramref name="tensor"/> and returns its element count.</summary>
    /// <param name="field">Name of the request field, used in the error message.</param>
    /// <param name="expectedRank">The rank the caller needs, or null for any rank.</param>
    /// <param name="allowed">Dtypes the caller accepts, or null for any valid dtype.</param>
    /// <exception cref="TensorValidationException">The tensor violates the contract.</exception>
    public static long Validate(Tensor? tensor, string field, TensorLimits? limits = null,
        int? expectedRank = null, IReadOnlyCollection<DType>? allowed = null)
    {
        limits ??= TensorLimits.Default;
        if (tensor is null)
            throw new TensorValidationException(field, "is required but missing");
        int size = ElementSize(tensor.Dtype);
        if (size == 0)
            throw new TensorValidationException(field, $"dtype {tensor.Dtype} is not one of F32, F16, BF16, U8, I64");
        if (allowed is not null && !allowed.Contains(tensor.Dtype))
            throw new TensorValidationException(field, $"dtype {Name(tensor.Dtype)} is not accepted here (expected {string.Join(" or ", allowed.Select(Name))})");
        int rank = tensor.Shape.Count;
        if (rank > limits.MaxRank)
            throw new TensorValidationException(field, $"rank {rank} exceeds the limit of {limits.MaxRank}");
        if (expectedRank is int r && rank != r)
            throw new TensorValidationException(field, $"has rank {rank} (shape {FormatShape(tensor)}) but rank {r} is required");

        long elements = 1;
        for (int i = 0; i < rank; i++)
        {
            long d = tensor.Shape[i];
            if (d < 0)
                throw new TensorValidationException(field, $"dimension {i} is negative ({d})");
            if (d > limits.MaxDimension)
                throw new TensorValidationException(field, $"dimension {i} is {d}, over the limit of {limits.MaxDimension}");
            elements *= d; // cannot overflow: rank <= MaxRank and each d <= MaxDimension is checked against MaxElements below
            if (elements > limits.MaxElements)
                throw new TensorValidationException(field, $"shape {FormatShape(tensor)} has more than {limits.MaxElements} elements");
        }
        long expectedBytes = elements * size;
        if (tensor.Data.Length != expectedBytes)
            throw new TensorValidationException(field,
                $"data has {tensor.Data.Length} bytes but shape {FormatShape(tensor)} of {Name(tensor.Dtype)} needs {expectedBytes}");
        return elements;
    }

    public static string Name(DType dtype) => dtype switch
    {
        DType.F32 => "F32",
        DType.F16 => "F16",
        DType.Bf16 => "BF16",
        DType.U8 => "U8",
        DType.I64 => "I64",
        _ => dtype.ToString(),
    };

    public static string FormatShape(Tensor tensor) => "[" + string.Join(", ", tensor.Shape) + "]";
}
