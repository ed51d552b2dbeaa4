using System.IO.MemoryMappedFiles;
using Diffusion.Torch.Nn;

namespace Diffusion.Torch.Safetensors;

/// <summary>A memory-mapped safetensors file (any size: no 2 GB limit). The header is validated when
/// opened; tensors are read straight from the mapping into libtorch storage with a single copy,
/// converting dtype/device on the way when asked. Thread-safe for concurrent reads.</summary>
public sealed unsafe class SafetensorsFile : IStateDictSource, IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly long _dataStart;
    private readonly IReadOnlyDictionary<string, SafetensorsEntry> _entries;
    private int _disposed;

    private SafetensorsFile(string path, MemoryMappedFile file, MemoryMappedViewAccessor view, byte* basePointer, long length)
    {
        Path = path;
        _file = file;
        _view = view;
        _base = basePointer;
        long headerLength = SafetensorsHeader.ReadHeaderLength(path, new ReadOnlySpan<byte>(basePointer, 8), length);
        _dataStart = 8 + headerLength;
        var parsed = SafetensorsHeader.Parse(path, new ReadOnlySpan<byte>(basePointer + 8, (int)headerLength), length - _dataStart);
        _entries = parsed.Entries;
        Metadata = parsed.Metadata;
    }

    /// <summary>Maps and validates <paramref name="path"/>; throws <see cref="SafetensorsFormatException"/>
    /// when malformed, <see cref="FileNotFoundException"/> when absent.</summary>
    public static SafetensorsFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var fullPath = System.IO.Path.GetFullPath(path);
        long length = new FileInfo(fullPath).Exists ? new FileInfo(fullPath).Length : throw new FileNotFoundException($"safetensors file not found: {fullPath}", fullPath);
        if (length < 8)
            throw new SafetensorsFormatException(fullPath, null, $"truncated: {length} bytes, shorter than the 8-byte header length");
        MemoryMappedFile? file = null;
        MemoryMappedViewAccessor? view = null;
        byte* pointer = null;
        try
        {
            file = MemoryMappedFile.CreateFromFile(fullPath, FileMode.Open, mapName: null, capacity: 0, MemoryMappedFileAccess.Read);
            view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            return new SafetensorsFile(fullPath, file, view, pointer + view.PointerOffset, length);
        }
        catch
        {
            if (pointer != null) view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            file?.Dispose();
            throw;
        }
    }

    /// <summary>The file's full path.</summary>
    public string Path { get; }

    /// <summary>The header's <c>__metadata__</c> (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Every tensor entry by name.</summary>
    public IReadOnlyDictionary<string, SafetensorsEntry> Entries => _entries;

    /// <inheritdoc/>
    public IEnumerable<string> Keys => _entries.Keys;

    /// <summary>Whether the file holds <paramref name="key"/>.</summary>
    public bool Contains(string key) => _entries.ContainsKey(key);

    /// <inheritdoc/>
    public bool TryGetInfo(string key, out TensorInfo info)
    {
        if (_entries.TryGetValue(key, out var e))
        {
            info = new TensorInfo(e.Dtype, (long[])e.Shape.Clone());
            return true;
        }
        info = default;
        return false;
    }

    /// <summary>The entry of <paramref name="key"/>.</summary>
    public SafetensorsEntry GetEntry(string key) =>
        _entries.TryGetValue(key, out var e) ? e : throw new KeyNotFoundException($"{Path}: no tensor '{key}'");

    /// <inheritdoc/>
    public Tensor Load(string key, ScalarType? dtype = null, Device? device = null)
    {
        var e = GetEntry(key);
        return Tensor.FromPointer(DataPointer(e), e.ByteCount, e.Dtype, e.Shape, device, dtype ?? e.Dtype);
    }

    /// <inheritdoc/>
    public void ReadInto(string key, Tensor destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var e = GetEntry(key);
        var shape = destination.Shape;
        if (!shape.AsSpan().SequenceEqual(e.Shape))
            throw new ArgumentException($"{Path}: tensor '{key}' has shape [{string.Join(", ", e.Shape)}], destination [{string.Join(", ", shape)}]", nameof(destination));
        destination.CopyFromPointer(DataPointer(e), e.ByteCount, e.Dtype);
    }

    /// <summary>The raw little-endian bytes of <paramref name="key"/> (tensors under 2 GB; valid until disposed).</summary>
    public ReadOnlySpan<byte> GetBytes(string key)
    {
        var e = GetEntry(key);
        return new ReadOnlySpan<byte>(DataPointer(e), checked((int)e.ByteCount));
    }

    private byte* DataPointer(SafetensorsEntry e)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _base + _dataStart + e.Begin;
    }

    /// <summary>Unmaps the file. Tensors already loaded are unaffected (they own copies).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
