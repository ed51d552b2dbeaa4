namespace Diffusion.Torch.Safetensors;

/// <summary>One tensor of a safetensors file: dtype, shape, and its byte range in the data section.</summary>
/// <param name="Name">The tensor's key.</param>
/// <param name="Dtype">The stored element type.</param>
/// <param name="Shape">The stored shape.</param>
/// <param name="Begin">Offset of the first byte, relative to the start of the data section.</param>
/// <param name="End">Offset one past the last byte.</param>
public sealed record SafetensorsEntry(string Name, ScalarType Dtype, long[] Shape, long Begin, long End)
{
    /// <summary>Bytes of data.</summary>
    public long ByteCount => End - Begin;
}
