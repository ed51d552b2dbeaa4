using Diffusion.Contracts;
using Diffusion.Contracts.V1;
using Google.Protobuf;

namespace Diffusion.Gateway.Generation;

/// <summary>Batch-axis (dimension 0) operations on wire tensors, on their raw bytes.</summary>
internal static class TensorBatch
{
    /// <summary>Rows [start, start + count) of a validated tensor; a new tensor owning a copy.</summary>
    public static Tensor Slice(Tensor tensor, int start, int count)
    {
        long rows = tensor.Shape[0];
        if (start < 0 || count < 0 || start + count > rows)
            throw new ArgumentOutOfRangeException(nameof(start), $"rows {start}..{start + count} of a batch of {rows}");
        int rowBytes = (int)(tensor.Data.Length / Math.Max(rows, 1));
        var result = new Tensor
        {
            Dtype = tensor.Dtype,
            Data = ByteString.CopyFrom(tensor.Data.Span.Slice(start * rowBytes, count * rowBytes)),
        };
        result.Shape.Add(count);
        result.Shape.Add(tensor.Shape.Skip(1));
        return result;
    }

    /// <summary><c>torch.cat([t] * times)</c>: the batch repeated <paramref name="times"/> times.</summary>
    public static Tensor Repeat(Tensor tensor, int times)
    {
        if (times == 1)
            return tensor;
        var source = tensor.Data.Span;
        var bytes = new byte[source.Length * times];
        for (int i = 0; i < times; i++)
            source.CopyTo(bytes.AsSpan(i * source.Length));
        var result = new Tensor { Dtype = tensor.Dtype, Data = ByteString.CopyFrom(bytes) };
        result.Shape.Add(tensor.Shape[0] * times);
        result.Shape.Add(tensor.Shape.Skip(1));
        return result;
    }

    /// <summary>The shape of a tensor as a <see cref="TensorShape"/> (to describe a random draw).</summary>
    public static TensorShape ShapeOf(params long[] dims)
    {
        var shape = new TensorShape();
        shape.Dims.Add(dims);
        return shape;
    }

    /// <summary>Checks a tensor a downstream returned: valid, and of <paramref name="expected"/>
    /// shape where a dimension is not -1.</summary>
    /// <returns>Null when it is as expected, else what is wrong.</returns>
    public static string? Check(Tensor? tensor, string what, params long[] expected)
    {
        try
        {
            TensorValidation.Validate(tensor, what, expectedRank: expected.Length);
        }
        catch (TensorValidationException ex)
        {
            return ex.Message;
        }
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] >= 0 && tensor!.Shape[i] != expected[i])
                return $"{what} has shape {TensorValidation.FormatShape(tensor)}, expected [{string.Join(", ", expected.Select(e => e < 0 ? "*" : e.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]";
        }
        return null;
    }
}
