using System.Text.Json;
using Diffusion.Torch.Nn;

namespace Diffusion.Torch.Safetensors;

/// <summary>A sharded checkpoint: <c>*.safetensors.index.json</c> (<c>{"metadata": {...}, "weight_map":
/// {key: shard file}}</c>) and the shards beside it, each memory-mapped. Every key of the weight map must
/// be in its shard.</summary>
public sealed class SafetensorsShards : IStateDictSource, IDisposable
{
    private readonly Dictionary<string, SafetensorsFile> _byKey;
    private readonly List<SafetensorsFile> _shards;

    private SafetensorsShards(string indexPath, Dictionary<string, SafetensorsFile> byKey, List<SafetensorsFile> shards, IReadOnlyDictionary<string, string> metadata)
    {
        IndexPath = indexPath;
        _byKey = byKey;
        _shards = shards;
        Metadata = metadata;
    }

    /// <summary>The index file.</summary>
    public string IndexPath { get; }

    /// <summary>The index's "metadata" entries rendered as strings (e.g. total_size).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The opened shards.</summary>
    public IReadOnlyList<SafetensorsFile> Shards => _shards;

    /// <summary>Opens the index and every shard it names; throws <see cref="SafetensorsFormatException"/>
    /// for a malformed index or shard, or a key missing from its shard.</summary>
    public static SafetensorsShards Open(string indexPath)
    {
        ArgumentNullException.ThrowIfNull(indexPath);
        var fullPath = Path.GetFullPath(indexPath);
        var directory = Path.GetDirectoryName(fullPath)!;
        var (weightMap, metadata) = ReadIndex(fullPath);
        var files = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        try
        {
            var byKey = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            foreach (var (key, shardName) in weightMap)
            {
                if (!files.TryGetValue(shardName, out var shard))
                {
                    var shardPath = Path.Combine(directory, shardName);
                    if (!File.Exists(shardPath))
                        throw new SafetensorsFormatException(fullPath, key, $"shard '{shardName}' does not exist");
                    shard = SafetensorsFile.Open(shardPath);
                    files[shardName] = shard;
                }
                if (!shard.Contains(key))
                    throw new SafetensorsFormatException(fullPath, key, $"not found in shard '{shardName}'");
                byKey[key] = shard;
            }
            return new SafetensorsShards(fullPath, byKey, [.. files.Values], metadata);
        }
        catch
        {
            foreach (var f in files.Values) f.Dispose();
            throw;
        }
    }

    private static (List<KeyValuePair<string, string>> WeightMap, Dictionary<string, string> Metadata) ReadIndex(string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new SafetensorsFormatException(path, null, $"index is not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new SafetensorsFormatException(path, null, "index must be an object with a 'weight_map' object");
            var weightMap = new List<KeyValuePair<string, string>>();
            foreach (var entry in map.EnumerateObject())
            {
                var shard = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString()! : null;
                // Shards are siblings of the index: a path could make a checkpoint read arbitrary files.
                if (string.IsNullOrEmpty(shard) || Path.GetFileName(shard) != shard)
                    throw new SafetensorsFormatException(path, entry.Name, $"weight_map value {entry.Value} is not a shard file name");
                weightMap.Add(KeyValuePair.Create(entry.Name, shard));
            }
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            if (root.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object)
                foreach (var item in meta.EnumerateObject())
                    metadata[item.Name] = item.Value.ValueKind == JsonValueKind.String ? item.Value.GetString()! : item.Value.GetRawText();
            return (weightMap, metadata);
        }
    }

    /// <inheritdoc/>
    public IEnumerable<string> Keys => _byKey.Keys;

    /// <inheritdoc/>
    public bool TryGetInfo(string key, out TensorInfo info)
    {
        if (_byKey.TryGetValue(key, out var shard))
            return shard.TryGetInfo(key, out info);
        info = default;
        return false;
    }

    /// <inheritdoc/>
    public void ReadInto(string key, Tensor destination) => Shard(key).ReadInto(key, destination);

    /// <inheritdoc/>
    public Tensor Load(string key, ScalarType? dtype = null, Device? device = null) => Shard(key).Load(key, dtype, device);

    private SafetensorsFile Shard(string key) =>
        _byKey.TryGetValue(key, out var shard) ? shard : throw new KeyNotFoundException($"{IndexPath}: no tensor '{key}'");

    /// <summary>Unmaps every shard.</summary>
    public void Dispose()
    {
        foreach (var shard in _shards) shard.Dispose();
    }
}
