using System.Globalization;
using System.Text.Json;

namespace Diffusion.Schedulers.Internal;

/// <summary>
/// diffusers' <c>ConfigMixin.from_config(config, **overrides)</c> / <c>extract_init_dict</c>: the
/// target class's keyword arguments take the override, else the config's value, else the class
/// default; keys listed in <c>_use_default_values</c> fall back to the default; keys the class does
/// not know are ignored for construction but kept in the resulting config (diffusers' hidden
/// entries), with <c>_class_name</c> set to the target class.
/// </summary>
internal static class ConfigResolver
{
    private const string UseDefaultValuesKey = "_use_default_values";

    public static SchedulerConfig Resolve(string className, IReadOnlyList<OptionSpec> options, SchedulerConfig config,
        IReadOnlyDictionary<string, string>? overrides)
    {
        var useDefaults = new HashSet<string>(StringComparer.Ordinal);
        if (config.TryGetValue(UseDefaultValuesKey, out var ud) && ud.ValueKind == JsonValueKind.Array)
            foreach (var e in ud.EnumerateArray())
                if (e.ValueKind == JsonValueKind.String) useDefaults.Add(e.GetString()!);

        var result = SchedulerConfig.Empty;
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var spec in options)
        {
            known.Add(spec.Key);
            JsonElement value;
            if (overrides is not null && overrides.TryGetValue(spec.Key, out var text))
                value = ParseOverride(className, spec, text);
            else if (!useDefaults.Contains(spec.Key) && config.TryGetValue(spec.Key, out var fromConfig))
                value = fromConfig;
            else
                value = SchedulerConfig.JsonRaw(spec.DefaultJson);
            result = result.With(spec.Key, value);
        }
        foreach (var key in config.Keys)
        {
            if (known.Contains(key) || useDefaults.Contains(key) || key == UseDefaultValuesKey) continue;
            result = key == SchedulerConfig.ClassNameKey
                ? result.With(key, className)
                : result.With(key, config[key]);
        }
        if (!result.ContainsKey(SchedulerConfig.ClassNameKey)) result = result.With(SchedulerConfig.ClassNameKey, className);
        return result;
    }

    /// <summary>Reads an override given as text according to the option's type.</summary>
    public static JsonElement ParseOverride(string className, OptionSpec spec, string text)
    {
        string t = text.Trim();
        bool isNull = t.Equals("null", StringComparison.OrdinalIgnoreCase) || t.Equals("none", StringComparison.OrdinalIgnoreCase);
        switch (spec.Kind)
        {
            case OptionKind.Integer when long.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l):
                return SchedulerConfig.JsonRaw(l.ToString(CultureInfo.InvariantCulture));
            case OptionKind.Number or OptionKind.NullableNumber when SchedulerConfig.TryParsePythonFloat(t, out double d):
                return double.IsFinite(d)
                    ? SchedulerConfig.JsonRaw(d.ToString("R", CultureInfo.InvariantCulture))
                    : SchedulerConfig.JsonValue(double.IsNaN(d) ? "nan" : d > 0 ? "inf" : "-inf");
            case OptionKind.NullableNumber or OptionKind.NullableString or OptionKind.NumberList or OptionKind.Null when isNull:
                return SchedulerConfig.JsonRaw("null");
            case OptionKind.Boolean:
                if (t.Equals("true", StringComparison.OrdinalIgnoreCase) || t == "1") return SchedulerConfig.JsonRaw("true");
                if (t.Equals("false", StringComparison.OrdinalIgnoreCase) || t == "0") return SchedulerConfig.JsonRaw("false");
                break;
            case OptionKind.String or OptionKind.NullableString:
                return SchedulerConfig.JsonValue(t);
            case OptionKind.NumberList or OptionKind.IntegerList:
            {
                string json = t.StartsWith('[') ? t : "[" + t + "]";
                try
                {
                    var e = SchedulerConfig.JsonRaw(json);
                    if (e.ValueKind == JsonValueKind.Array && e.EnumerateArray().All(x => x.ValueKind == JsonValueKind.Number))
                        return e;
                }
                catch (JsonException)
                {
                }
                break;
            }
        }
        throw new SchedulerConfigurationException(spec.Key, text,
            $"{className}: override {spec.Key}={text} is not {Describe(spec.Kind)}");
    }

    private static string Describe(OptionKind kind) => kind switch
    {
        OptionKind.Integer => "an integer",
        OptionKind.Number => "a number",
        OptionKind.NullableNumber => "a number or null",
        OptionKind.Boolean => "true or false",
        OptionKind.NumberList => "a list of numbers or null",
        OptionKind.IntegerList => "a list of integers",
        OptionKind.Null => "null (not supported otherwise)",
        _ => "a string",
    };
}
