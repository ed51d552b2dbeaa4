using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Diffusion.Torch.Safetensors;

/// <summary>Writes safetensors files: an 8-byte little-endian header length, the JSON header
/// (<c>__metadata__</c> first, then each tensor's dtype, shape and data_offsets), padded with spaces so
/// the data section starts 8-byte aligned, then the tensors' bytes back to back in the given order.</summary>
public static class SafetensorsWriter
{
    private const int Alignment = 8;
    private const int ChunkBytes = 1 << 30;

    /// <summary>Writes <paramref name="tensors"/> (any device; copied to the host one at a time) to
    /// <paramref name="path"/>, replacing it atomically.</summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var list = tensors.ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, _) in list)
        {
            if (name == "__metadata__" || !names.Add(name))
                throw new ArgumentException($"tensor name '{name}' is reserved or repeated", nameof(tensors));
        }

        var header = BuildHeader(list, metadata);
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            stream.Write(prefix);
            stream.Write(header);
            foreach (var (_, tensor) in list)
                WriteData(stream, tensor);
        }
        File.Move(temporary, path, overwrite: true);
    }

    private static byte[] BuildHeader(List<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata) json.WriteString(k, v);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, tensor) in tensors)
            {
                var dtype = tensor.Dtype;
                var shape = tensor.Shape;
                long bytes = tensor.NumEl * dtype.ElementSize();
                json.WriteStartObject(name);
                json.WriteString("dtype", SafetensorsDType.Name(dtype));
                json.WriteStartArray("shape");
                foreach (var s in shape) json.WriteNumberValue(s);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        // Pad with spaces (valid JSON whitespace) so 8 + header length is a multiple of 8.
        int length = (int)buffer.Length;
        int padded = (length + Alignment - 1) / Alignment * Alignment;
        var header = new byte[padded];
        buffer.GetBuffer().AsSpan(0, length).CopyTo(header);
        header.AsSpan(length).Fill((byte)' ');
        return header;
    }

    private static unsafe void WriteData(FileStream stream, Tensor tensor)
    {
        long bytes = tensor.NumEl * tensor.Dtype.ElementSize();
        if (bytes == 0) return;
        var memory = (byte*)NativeMemory.Alloc((nuint)bytes);
        try
        {
            tensor.CopyToPointer(memory, bytes);
            for (long at = 0; at < bytes; at += ChunkBytes)
                stream.Write(new ReadOnlySpan<byte>(memory + at, (int)Math.Min(ChunkBytes, bytes - at)));
        }
        finally
        {
            NativeMemory.Free(memory);
        }
    }
}
