using System.Text.Json;
using Diffusion.Models.Loading;

namespace Diffusion.Models.UNet;

/// <summary>Typed access to a diffusers <c>config.json</c>: missing or null keys take the diffusers
/// default; keys that may be a scalar or a per-block list expand to one entry per block.</summary>
internal sealed class ConfigReader
{
    private readonly JsonElement _root;

    private ConfigReader(string path, JsonElement root)
    {
        Path = path;
        _root = root;
    }

    /// <summary>The file being read (named in every error).</summary>
    public string Path { get; }

    /// <summary>Parses <paramref name="path"/>.</summary>
    public static ConfigReader Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new ModelLoadException(path, "config file not found");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return new ConfigReader(path, doc.RootElement.Clone());
        }
        catch (JsonException e)
        {
            throw new ModelLoadException(path, $"invalid JSON: {e.Message}", e);
        }
    }

    private bool TryGet(string key, out JsonElement value)
    {
        if (_root.TryGetProperty(key, out value) && value.ValueKind != JsonValueKind.Null) return true;
        value = default;
        return false;
    }

    /// <summary>True when <paramref name="key"/> is present and not null.</summary>
    public bool Has(string key) => TryGet(key, out _);

    /// <summary>True when <paramref name="key"/> is present with the value null.</summary>
    public bool IsExplicitNull(string key) => _root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Null;

    /// <summary>An integer option.</summary>
    public int Int(string key, int fallback) => TryGet(key, out var v) ? AsInt(key, v) : fallback;

    /// <summary>A nullable integer option.</summary>
    public int? IntOrNull(string key) => TryGet(key, out var v) ? AsInt(key, v) : null;

    /// <summary>A floating-point option.</summary>
    public double Double(string key, double fallback)
    {
        if (!TryGet(key, out var v)) return fallback;
        return v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw Bad(key, v, "a number");
    }

    /// <summary>A boolean option.</summary>
    public bool Bool(string key, bool fallback)
    {
        if (!TryGet(key, out var v)) return fallback;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Bad(key, v, "a boolean"),
        };
    }

    /// <summary>A string option (null when absent or null).</summary>
    public string? String(string key) =>
        TryGet(key, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() : throw Bad(key, v, "a string") : null;

    /// <summary>A list of strings.</summary>
    public string[]? Strings(string key)
    {
        if (!TryGet(key, out var v)) return null;
        if (v.ValueKind != JsonValueKind.Array) throw Bad(key, v, "a list of strings");
        return v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Bad(key, v, "a list of strings")).ToArray();
    }

    /// <summary>A list of integers.</summary>
    public int[]? Ints(string key)
    {
        if (!TryGet(key, out var v)) return null;
        if (v.ValueKind != JsonValueKind.Array) throw Bad(key, v, "a list of integers");
        return v.EnumerateArray().Select(e => AsInt(key, e)).ToArray();
    }

    /// <summary>An integer or a list of <paramref name="count"/> integers (diffusers accepts both for
    /// per-block options), expanded to <paramref name="count"/> entries; null when absent.</summary>
    public int[]? IntPerBlock(string key, int count)
    {
        if (!TryGet(key, out var v)) return null;
        if (v.ValueKind == JsonValueKind.Number) return Enumerable.Repeat(AsInt(key, v), count).ToArray();
        var list = Ints(key)!;
        if (list.Length != count) throw Unsupported(key, v.GetRawText(), $"expected {count} entries (one per down block)");
        return list;
    }

    /// <summary>A boolean or a list of <paramref name="count"/> booleans.</summary>
    public bool[] BoolPerBlock(string key, int count, bool fallback)
    {
        if (!TryGet(key, out var v)) return Enumerable.Repeat(fallback, count).ToArray();
        if (v.ValueKind is JsonValueKind.True or JsonValueKind.False) return Enumerable.Repeat(v.GetBoolean(), count).ToArray();
        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() != count) throw Bad(key, v, $"a boolean or {count} booleans");
        return v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.True).ToArray();
    }

    /// <summary>The raw JSON text of <paramref name="key"/> ("null" when absent).</summary>
    public string Raw(string key) => TryGet(key, out var v) ? v.GetRawText() : "null";

    /// <summary>An error naming an option this implementation does not support.</summary>
    public ModelLoadException Unsupported(string key, string value, string? why = null) =>
        new(Path, $"unsupported option {key} = {value}" + (why is null ? "" : $" ({why})"));

    /// <summary>Fails when <paramref name="key"/> is set to anything but null / absent.</summary>
    public void RequireNull(string key)
    {
        if (Has(key)) throw Unsupported(key, Raw(key), "only null is supported");
    }

    private int AsInt(string key, JsonElement v) =>
        v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : throw Bad(key, v, "an integer");

    private ModelLoadException Bad(string key, JsonElement v, string expected) =>
        new(Path, $"option {key} = {v.GetRawText()} is not {expected}");
}
