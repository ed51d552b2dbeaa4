using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Diffusion.Schedulers;

/// <summary>
/// A diffusers scheduler configuration (<c>scheduler_config.json</c>): an ordered, immutable map from
/// snake_case keys to JSON values. Unknown keys are kept (diffusers carries them as hidden config
/// entries), <c>_class_name</c> names the scheduler class. Instances are immutable and can be shared
/// between threads and requests.
/// </summary>
public sealed class SchedulerConfig
{
    /// <summary>The key holding the diffusers class name.</summary>
    public const string ClassNameKey = "_class_name";

    private readonly List<string> _keys;
    private readonly Dictionary<string, JsonElement> _values;

    private SchedulerConfig(List<string> keys, Dictionary<string, JsonElement> values)
    {
        _keys = keys;
        _values = values;
    }

    /// <summary>An empty configuration (every option at the class default).</summary>
    public static SchedulerConfig Empty { get; } = new([], new Dictionary<string, JsonElement>(StringComparer.Ordinal));

    /// <summary>Parses a JSON object. Python's bare <c>NaN</c>, <c>Infinity</c> and <c>-Infinity</c>
    /// tokens (written by <c>json.dump</c>, e.g. for <c>lambda_min_clipped</c>) are accepted.</summary>
    /// <exception cref="SchedulerConfigurationException">The text is not a JSON object.</exception>
    public static SchedulerConfig Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var doc = JsonDocument.Parse(QuotePythonFloatTokens(json));
            return FromJsonElement(doc.RootElement);
        }
        catch (JsonException e)
        {
            throw new SchedulerConfigurationException("config", null, $"scheduler config is not valid JSON: {e.Message}");
        }
    }

    /// <summary>Reads and parses a <c>scheduler_config.json</c> file.</summary>
    public static SchedulerConfig Load(string path) => Parse(File.ReadAllText(path));

    /// <summary>Copies the properties of a JSON object (the element may be disposed afterwards).</summary>
    public static SchedulerConfig FromJsonElement(JsonElement obj)
    {
        if (obj.ValueKind != JsonValueKind.Object)
            throw new SchedulerConfigurationException("config", obj.ValueKind.ToString(), "scheduler config must be a JSON object");
        var keys = new List<string>();
        var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var p in obj.EnumerateObject())
        {
            if (!values.ContainsKey(p.Name)) keys.Add(p.Name);
            values[p.Name] = p.Value.Clone();
        }
        return new SchedulerConfig(keys, values);
    }

    /// <summary>The diffusers class name (<c>_class_name</c>), or null when absent.</summary>
    public string? ClassName =>
        _values.TryGetValue(ClassNameKey, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>The keys in file order.</summary>
    public IReadOnlyList<string> Keys => _keys;

    /// <summary>True when <paramref name="key"/> is present (its value may be JSON null).</summary>
    public bool ContainsKey(string key) => _values.ContainsKey(key);

    /// <summary>The raw JSON value of <paramref name="key"/>.</summary>
    public bool TryGetValue(string key, out JsonElement value) => _values.TryGetValue(key, out value);

    /// <summary>The raw JSON value of <paramref name="key"/>; throws when absent.</summary>
    public JsonElement this[string key] =>
        _values.TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"scheduler config has no '{key}'");

    /// <summary>A copy with <paramref name="key"/> set (appended when new, replaced in place otherwise).</summary>
    public SchedulerConfig With(string key, JsonElement value)
    {
        var keys = new List<string>(_keys);
        var values = new Dictionary<string, JsonElement>(_values, StringComparer.Ordinal);
        if (!values.ContainsKey(key)) keys.Add(key);
        values[key] = value.Clone();
        return new SchedulerConfig(keys, values);
    }

    /// <summary>A copy with <paramref name="key"/> set to a string.</summary>
    public SchedulerConfig With(string key, string? value) => With(key, JsonValue(value));

    /// <summary>A copy without <paramref name="key"/>.</summary>
    public SchedulerConfig Without(string key)
    {
        if (!_values.ContainsKey(key)) return this;
        var keys = _keys.Where(k => k != key).ToList();
        var values = new Dictionary<string, JsonElement>(_values, StringComparer.Ordinal);
        values.Remove(key);
        return new SchedulerConfig(keys, values);
    }

    /// <summary>The configuration as a JSON object (keys in order).</summary>
    public string ToJson(bool indented = false)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented }))
        {
            writer.WriteStartObject();
            foreach (var key in _keys)
            {
                writer.WritePropertyName(key);
                _values[key].WriteTo(writer);
            }
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <inheritdoc />
    public override string ToString() => ToJson();

    /// <summary>True when <paramref name="key"/> is absent or JSON null.</summary>
    public bool IsNull(string key) => !_values.TryGetValue(key, out var v) || v.ValueKind == JsonValueKind.Null;

    /// <summary>An integer option (an integral JSON number).</summary>
    public long GetInt64(string key)
    {
        var v = Require(key);
        if (v.ValueKind == JsonValueKind.Number)
        {
            if (v.TryGetInt64(out long l)) return l;
            double d = v.GetDouble();
            if (Math.Floor(d) == d && Math.Abs(d) < 9.0e15) return (long)d;
        }
        throw Invalid(key, v, "an integer");
    }

    /// <summary>A floating-point option: a JSON number, or one of Python's spellings of the
    /// non-finite values as a string (<c>"-inf"</c>, <c>"Infinity"</c>, <c>"nan"</c>...).</summary>
    public double GetDouble(string key)
    {
        var v = Require(key);
        return TryReadDouble(v, out double d) ? d : throw Invalid(key, v, "a number");
    }

    /// <summary>A boolean option (JSON true/false; numbers follow Python truthiness).</summary>
    public bool GetBoolean(string key)
    {
        var v = Require(key);
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => v.GetDouble() != 0,
            _ => throw Invalid(key, v, "a boolean"),
        };
    }

    /// <summary>A string option, or null when absent or JSON null.</summary>
    public string? GetString(string key)
    {
        if (!_values.TryGetValue(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw Invalid(key, v, "a string");
    }

    /// <summary>A list of numbers, or null when absent or JSON null.</summary>
    public double[]? GetDoubleArray(string key)
    {
        if (!_values.TryGetValue(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Array) throw Invalid(key, v, "a list of numbers");
        var result = new double[v.GetArrayLength()];
        int i = 0;
        foreach (var e in v.EnumerateArray())
            result[i++] = TryReadDouble(e, out double d) ? d : throw Invalid(key, v, "a list of numbers");
        return result;
    }

    /// <summary>A list of integers (empty when absent or JSON null).</summary>
    public long[] GetInt64Array(string key)
    {
        var d = GetDoubleArray(key);
        if (d is null) return [];
        var result = new long[d.Length];
        for (int i = 0; i < d.Length; i++)
            result[i] = Math.Floor(d[i]) == d[i] ? (long)d[i] : throw Invalid(key, this[key], "a list of integers");
        return result;
    }

    /// <summary>The value of <paramref name="key"/> as display text (raw JSON, strings unquoted).</summary>
    public string? Display(string key) =>
        _values.TryGetValue(key, out var v) ? Display(v) : null;

    internal static string Display(JsonElement v) =>
        v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText();

    internal static JsonElement JsonValue(string? s)
    {
        using var doc = JsonDocument.Parse(JsonSerializer.Serialize(s));
        return doc.RootElement.Clone();
    }

    internal static JsonElement JsonRaw(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }

    internal static bool TryReadDouble(JsonElement v, out double d)
    {
        switch (v.ValueKind)
        {
            case JsonValueKind.Number:
                d = v.GetDouble();
                return true;
            case JsonValueKind.String:
                return TryParsePythonFloat(v.GetString()!, out d);
            default:
                d = 0;
                return false;
        }
    }

    /// <summary>Parses a float the way Python's <c>float(str)</c> spells them, invariant culture.</summary>
    internal static bool TryParsePythonFloat(string s, out double d)
    {
        switch (s.Trim().ToLowerInvariant())
        {
            case "inf" or "+inf" or "infinity" or "+infinity": d = double.PositiveInfinity; return true;
            case "-inf" or "-infinity": d = double.NegativeInfinity; return true;
            case "nan" or "+nan" or "-nan": d = double.NaN; return true;
        }
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out d);
    }

    private JsonElement Require(string key) =>
        _values.TryGetValue(key, out var v) && v.ValueKind != JsonValueKind.Null
            ? v
            : throw new SchedulerConfigurationException(key, null, $"scheduler option '{key}' is missing or null");

    private static SchedulerConfigurationException Invalid(string key, JsonElement v, string expected) =>
        new(key, Display(v), $"scheduler option {key}={Display(v)} is not {expected}");

    /// <summary>Python's json module writes non-finite floats as bare NaN/Infinity/-Infinity, which
    /// System.Text.Json rejects; quote them (outside strings) so they read back as Python spellings.</summary>
    private static string QuotePythonFloatTokens(string json)
    {
        if (!json.Contains("NaN", StringComparison.Ordinal) && !json.Contains("Infinity", StringComparison.Ordinal))
            return json;
        var sb = new StringBuilder(json.Length + 16);
        bool inString = false;
        for (int i = 0; i < json.Length; i++)
        {
            char c = json[i];
            if (inString)
            {
                sb.Append(c);
                if (c == '\\' && i + 1 < json.Length) sb.Append(json[++i]);
                else if (c == '"') inString = false;
                continue;
            }
            if (c == '"') { inString = true; sb.Append(c); continue; }
            string? token = null;
            foreach (var candidate in (ReadOnlySpan<string>)["-Infinity", "Infinity", "NaN"])
            {
                if (string.CompareOrdinal(json, i, candidate, 0, candidate.Length) == 0) { token = candidate; break; }
            }
            if (token is null) { sb.Append(c); continue; }
            sb.Append('"').Append(token).Append('"');
            i += token.Length - 1;
        }
        return sb.ToString();
    }
}
