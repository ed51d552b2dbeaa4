namespace Diffusion.Schedulers.Internal;

/// <summary>Construction-time checks that name the option and value diffusers would reject or that
/// this port does not implement.</summary>
internal static class Validate
{
    public static string OneOf(SchedulerConfig config, string key, string className, params string[] supported)
    {
        string value = config.GetString(key) ?? "null";
        return supported.Contains(value)
            ? value
            : throw new SchedulerConfigurationException(key, value,
                $"{className}: {key}={value} is not supported (supported: {string.Join(", ", supported)})");
    }

    public static void NotSet(SchedulerConfig config, string key, string className, string why)
    {
        if (config.ContainsKey(key) && config.GetBoolean(key))
            throw new SchedulerConfigurationException(key, "true", $"{className}: {key}=true is not supported ({why})");
    }

    public static void IsNull(SchedulerConfig config, string key, string className, string why)
    {
        if (!config.IsNull(key))
            throw new SchedulerConfigurationException(key, config.Display(key), $"{className}: {key}={config.Display(key)} is not supported ({why})");
    }
}
