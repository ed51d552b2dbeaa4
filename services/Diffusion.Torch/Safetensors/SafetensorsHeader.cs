using System.Buffers.Binary;
using System.Text.Json;

namespace Diffusion.Torch.Safetensors;

/// <summary>Parses and validates a safetensors header (huggingface/safetensors format: an unsigned
/// little-endian 64-bit header length N, N bytes of UTF-8 JSON, then the data section). Every rule the
/// reference implementation enforces is checked here so that no later read can leave the file.</summary>
internal static class SafetensorsHeader
{
    // The reference implementation refuses larger headers (MAX_HEADER_SIZE); so do we, so a corrupt
    // length cannot make us allocate gigabytes.
    internal const long MaxHeaderBytes = 100_000_000;

    internal sealed record Parsed(IReadOnlyDictionary<string, SafetensorsEntry> Entries, IReadOnlyDictionary<string, string> Metadata);

    /// <summary>Reads the header length from the first 8 bytes and checks it against the file size.</summary>
    internal static long ReadHeaderLength(string path, ReadOnlySpan<byte> prefix, long fileLength)
    {
        if (fileLength < 8)
            throw new SafetensorsFormatException(path, null, $"truncated: {fileLength} bytes, shorter than the 8-byte header length");
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (length > MaxHeaderBytes)
            throw new SafetensorsFormatException(path, null, $"header length {length} exceeds the {MaxHeaderBytes}-byte limit");
        if ((long)length > fileLength - 8)
            throw new SafetensorsFormatException(path, null, $"header length {length} runs past the end of the file ({fileLength} bytes)");
        return (long)length;
    }

    /// <summary>Parses the JSON header and validates every entry against a data section of <paramref name="dataLength"/> bytes.</summary>
    internal static Parsed Parse(string path, ReadOnlySpan<byte> json, long dataLength)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new SafetensorsFormatException(path, null, $"header is not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new SafetensorsFormatException(path, null, $"header must be a JSON object, found {doc.RootElement.ValueKind}");
            var entries = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            bool sawMetadata = false;
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    if (sawMetadata)
                        throw new SafetensorsFormatException(path, null, "__metadata__ appears twice");
                    sawMetadata = true;
                    ReadMetadata(path, property.Value, metadata);
                    continue;
                }
                if (entries.ContainsKey(property.Name))
                    throw new SafetensorsFormatException(path, property.Name, "appears twice in the header");
                entries[property.Name] = ReadEntry(path, property.Name, property.Value, dataLength);
            }
            CheckLayout(path, entries.Values, dataLength);
            return new Parsed(entries, metadata);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafetensorsFormatException(path, null, "__metadata__ must be an object of strings");
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw new SafetensorsFormatException(path, null, $"__metadata__ value '{item.Name}' is not a string");
            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    private static SafetensorsEntry ReadEntry(string path, string name, JsonElement value, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafetensorsFormatException(path, name, "entry must be an object with dtype, shape and data_offsets");
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw new SafetensorsFormatException(path, name, "missing string 'dtype'");
        var dtypeName = dtypeElement.GetString();
        if (!SafetensorsDType.TryParse(dtypeName, out var dtype))
            throw new SafetensorsFormatException(path, name, $"unknown or unsupported dtype '{dtypeName}'");
        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw new SafetensorsFormatException(path, name, "missing array 'shape'");
        var shape = new long[shapeElement.GetArrayLength()];
        int i = 0;
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out var size) || size < 0)
                throw new SafetensorsFormatException(path, name, $"shape entry {dim} is not a non-negative integer");
            shape[i++] = size;
        }
        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw new SafetensorsFormatException(path, name, "missing 'data_offsets' [begin, end]");
        if (!offsets[0].TryGetInt64(out var begin) || !offsets[1].TryGetInt64(out var end) || begin < 0 || end < begin)
            throw new SafetensorsFormatException(path, name, $"invalid data_offsets [{offsets[0]}, {offsets[1]}]");
        if (end > dataLength)
            throw new SafetensorsFormatException(path, name, $"data_offsets [{begin}, {end}] out of range: the data section has {dataLength} bytes");
        long expected;
        try
        {
            expected = dtype.ElementSize();
            foreach (var s in shape) expected = checked(expected * s);
        }
        catch (OverflowException)
        {
            throw new SafetensorsFormatException(path, name, $"shape [{string.Join(", ", shape)}] is too large");
        }
        if (end - begin != expected)
            throw new SafetensorsFormatException(path, name,
                $"data_offsets [{begin}, {end}] span {end - begin} bytes, but shape [{string.Join(", ", shape)}] of {dtypeName} needs {expected}");
        return new SafetensorsEntry(name, dtype, shape, begin, end);
    }

    // The reference implementation requires the entries to tile the data section exactly: no overlap
    // (two tensors aliasing the same bytes) and no holes (which could hide a second file format).
    private static void CheckLayout(string path, IEnumerable<SafetensorsEntry> entries, long dataLength)
    {
        long covered = 0;
        SafetensorsEntry? previous = null;
        foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.Begin < covered)
                throw new SafetensorsFormatException(path, e.Name, $"data_offsets [{e.Begin}, {e.End}] overlap tensor '{previous!.Name}' [{previous.Begin}, {previous.End}]");
            if (e.Begin > covered)
                throw new SafetensorsFormatException(path, e.Name, $"data_offsets [{e.Begin}, {e.End}] leave bytes [{covered}, {e.Begin}) of the data section unused");
            covered = e.End;
            if (e.ByteCount > 0) previous = e;
        }
        if (covered != dataLength)
            throw new SafetensorsFormatException(path, null, $"the data section has {dataLength} bytes but the tensors cover {covered}");
    }
}
