using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Diffusion.Testing;

/// <summary>A minimal, fully managed safetensors reader for tests that must not depend on the
/// native engine (tokenizer, schedulers). Reads the whole file; F32, F16, BF16, I64 only.</summary>
internal sealed class SafetensorsFile
{
    public sealed record Entry(string DType, long[] Shape, long Begin, long End);

    private readonly byte[] _bytes;
    private readonly long _dataStart;

    public IReadOnlyDictionary<string, Entry> Entries { get; }

    public SafetensorsFile(string path)
    {
        _bytes = File.ReadAllBytes(path);
        long headerLen = (long)BinaryPrimitives.ReadUInt64LittleEndian(_bytes);
        _dataStart = 8 + headerLen;
        using var doc = JsonDocument.Parse(_bytes.AsMemory(8, (int)headerLen));
        var entries = new Dictionary<string, Entry>();
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (p.Name == "__metadata__") continue;
            var offsets = p.Value.GetProperty("data_offsets");
            entries[p.Name] = new Entry(
                p.Value.GetProperty("dtype").GetString()!,
                p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray(),
                offsets[0].GetInt64(), offsets[1].GetInt64());
        }
        Entries = entries;
    }

    public bool Contains(string key) => Entries.ContainsKey(key);

    public long[] Shape(string key) => Get(key).Shape;

    private Entry Get(string key) =>
        Entries.TryGetValue(key, out var e) ? e : throw new KeyNotFoundException($"tensor '{key}' not in file (has: {string.Join(", ", Entries.Keys.Take(20))}...)");

    private ReadOnlySpan<byte> Bytes(Entry e) => _bytes.AsSpan((int)(_dataStart + e.Begin), (int)(e.End - e.Begin));

    /// <summary>The tensor's elements as float32 (F16/BF16 widened, I64 converted).</summary>
    public float[] Floats(string key)
    {
        var e = Get(key);
        var b = Bytes(e);
        return e.DType switch
        {
            "F32" => MemoryMarshal.Cast<byte, float>(b).ToArray(),
            "F64" => MemoryMarshal.Cast<byte, double>(b).ToArray().Select(d => (float)d).ToArray(),
            "F16" => MemoryMarshal.Cast<byte, Half>(b).ToArray().Select(h => (float)h).ToArray(),
            "BF16" => MemoryMarshal.Cast<byte, ushort>(b).ToArray().Select(u => BitConverter.Int32BitsToSingle(u << 16)).ToArray(),
            "I64" => MemoryMarshal.Cast<byte, long>(b).ToArray().Select(l => (float)l).ToArray(),
            _ => throw new NotSupportedException($"dtype {e.DType} of '{key}'"),
        };
    }

    public long[] Longs(string key)
    {
        var e = Get(key);
        return e.DType == "I64"
            ? MemoryMarshal.Cast<byte, long>(Bytes(e)).ToArray()
            : throw new InvalidOperationException($"'{key}' is {e.DType}, not I64");
    }
}
