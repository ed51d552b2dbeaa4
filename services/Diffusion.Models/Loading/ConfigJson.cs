using System.Globalization;
using System.Text.Json;

namespace Diffusion.Models.Loading;

/// <summary>Typed reads of a diffusers/transformers <c>config.json</c> (System.Text.Json DOM): every
/// read names the file and key when the value has the wrong type, and absent or null keys fall back
/// to the Python class's default.</summary>
public sealed class ConfigJson
{
    private readonly JsonElement _root;

    private ConfigJson(string path, JsonElement root)
    {
        Path = path;
        _root = root;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>Parses <paramref name="path"/>; a missing or malformed file throws <see cref="ModelLoadException"/>.</summary>
    public static ConfigJson Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new ModelLoadException(path, "file not found");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new ModelLoadException(path, "the JSON root is not an object");
            return new ConfigJson(path, doc.RootElement.Clone());
        }
        catch (JsonException e)
        {
            throw new ModelLoadException(path, $"malformed JSON: {e.Message}", e);
        }
    }

    /// <summary>Whether <paramref name="key"/> is present with a non-null value.</summary>
    public bool Has(string key) => _root.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null;

    /// <summary>Every top-level key, in file order.</summary>
    public IEnumerable<string> Keys => _root.EnumerateObject().Select(p => p.Name);

    /// <summary>An integer value, or <paramref name="fallback"/> when absent/null.</summary>
    public int GetInt(string key, int fallback)
    {
        if (!TryGet(key, out var v)) return fallback;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i)) return i;
        throw Bad(key, v, "an integer");
    }

    /// <summary>An integer value; absent throws naming the key.</summary>
    public int GetInt(string key) => Has(key) ? GetInt(key, 0) : throw Missing(key);

    /// <summary>A number, or <paramref name="fallback"/> when absent/null.</summary>
    public double GetDouble(string key, double fallback)
    {
        if (!TryGet(key, out var v)) return fallback;
        if (v.ValueKind == JsonValueKind.Number) return v.GetDouble();
        throw Bad(key, v, "a number");
    }

    /// <summary>A string, or <paramref name="fallback"/> when absent/null.</summary>
    public string? GetString(string key, string? fallback)
    {
        if (!TryGet(key, out var v)) return fallback;
        if (v.ValueKind == JsonValueKind.String) return v.GetString();
        throw Bad(key, v, "a string");
    }

    /// <summary>A boolean, or <paramref name="fallback"/> when absent/null.</summary>
    public bool GetBool(string key, bool fallback)
    {
        if (!TryGet(key, out var v)) return fallback;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Bad(key, v, "a boolean"),
        };
    }

    /// <summary>An array of integers, or a single integer repeated <paramref name="repeatScalar"/> times
    /// (diffusers accepts both for per-block options); <paramref name="fallback"/> when absent/null.</summary>
    public int[]? GetIntArray(string key, int[]? fallback, int repeatScalar = 1)
    {
        if (!TryGet(key, out var v)) return fallback;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var single))
            return Enumerable.Repeat(single, repeatScalar).ToArray();
        if (v.ValueKind != JsonValueKind.Array) throw Bad(key, v, "an integer or an array of integers");
        return v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var i)
            ? i : throw Bad(key, v, "an array of integers")).ToArray();
    }

    /// <summary>An array of strings, or <paramref name="fallback"/> when absent/null.</summary>
    public string[]? GetStringArray(string key, string[]? fallback)
    {
        if (!TryGet(key, out var v)) return fallback;
        if (v.ValueKind != JsonValueKind.Array) throw Bad(key, v, "an array of strings");
        return v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String
            ? e.GetString()! : throw Bad(key, v, "an array of strings")).ToArray();
    }

    /// <summary>The raw JSON text of <paramref name="key"/> ("null" when absent), for error messages.</summary>
    public string RawText(string key) => _root.TryGetProperty(key, out var v) ? v.GetRawText() : "null";

    /// <summary>An exception for an option whose value this implementation does not support,
    /// naming the file, the option and the value.</summary>
    public ModelLoadException Unsupported(string key, string why) =>
        new(Path, $"unsupported option {key} = {RawText(key)}: {why}");

    private bool TryGet(string key, out JsonElement value) =>
        _root.TryGetProperty(key, out value) && value.ValueKind != JsonValueKind.Null;

    private ModelLoadException Bad(string key, JsonElement v, string expected) =>
        new(Path, string.Create(CultureInfo.InvariantCulture, $"option {key} = {v.GetRawText()} is not {expected}"));

    private ModelLoadException Missing(string key) => new(Path, $"required option {key} is missing");
}
