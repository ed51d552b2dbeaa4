using Diffusion.Schedulers.Internal;

namespace Diffusion.Schedulers;

/// <summary>
/// Builds a new scheduler per request the way diffusers swaps schedulers:
/// <c>TargetClass.from_config(base_config, **overrides)</c>.
/// </summary>
public static class SchedulerFactory
{
    /// <summary>The UI names, in display order: DDPM, DDIM, PNDM, LMS, Euler, Euler a, Heun,
    /// DPM++ 2M, DPM++ 2M Karras, DPM++ 2M SDE, DPM++ 2M SDE Karras, UniPC.</summary>
    public static IReadOnlyList<string> Names { get; } = SchedulerCatalog.Aliases.Select(a => a.Name).ToArray();

    /// <summary>The diffusers class names accepted as well.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = SchedulerCatalog.Classes.Select(c => c.ClassName).ToArray();

    /// <summary>
    /// Creates a scheduler. The target class is <paramref name="name"/> (a UI name or a diffusers class
    /// name, case-insensitive; a UI name adds its implied overrides, e.g. "DPM++ 2M Karras" =
    /// DPMSolverMultistepScheduler with algorithm_type=dpmsolver++, solver_order=2,
    /// use_karras_sigmas=true) or, when null or empty, the base config's <c>_class_name</c>.
    /// Options come from the explicit <paramref name="overrides"/>, then the implied ones, then
    /// <paramref name="baseConfig"/>, then the class defaults; keys the class does not have are ignored
    /// as diffusers ignores them.
    /// </summary>
    /// <param name="name">A name from <see cref="Names"/> or <see cref="ClassNames"/>, or null.</param>
    /// <param name="baseConfig">The model's <c>scheduler_config.json</c>.</param>
    /// <param name="overrides">Option values as text (<c>"true"</c>, <c>"2"</c>, <c>"trailing"</c>, <c>"-inf"</c>,
    /// <c>"[1, 2]"</c>, <c>"null"</c>), typed by the option.</param>
    /// <exception cref="SchedulerConfigurationException">Unknown name, or an option that is malformed,
    /// rejected by diffusers, or not implemented (the message names option and value).</exception>
    public static IScheduler Create(string? name, SchedulerConfig baseConfig, IReadOnlyDictionary<string, string>? overrides = null)
    {
        var (descriptor, config) = Resolve(name, baseConfig, overrides);
        return descriptor.Create(config);
    }

    /// <summary>The configuration <see cref="Create"/> would construct with (diffusers' resulting
    /// <c>scheduler.config</c> before any remapping the class does itself).</summary>
    public static SchedulerConfig ResolveConfig(string? name, SchedulerConfig baseConfig, IReadOnlyDictionary<string, string>? overrides = null) =>
        Resolve(name, baseConfig, overrides).Config;

    /// <summary>The diffusers class a name selects, or null when unknown.</summary>
    public static string? ClassNameOf(string name) =>
        SchedulerCatalog.FindAlias(name)?.ClassName ?? SchedulerCatalog.FindClass(name.Trim())?.ClassName;

    private static (SchedulerDescriptor Descriptor, SchedulerConfig Config) Resolve(string? name, SchedulerConfig baseConfig,
        IReadOnlyDictionary<string, string>? overrides)
    {
        ArgumentNullException.ThrowIfNull(baseConfig);
        SchedulerDescriptor? descriptor;
        IReadOnlyDictionary<string, string> implied = new Dictionary<string, string>();
        if (string.IsNullOrWhiteSpace(name))
        {
            string? fromConfig = baseConfig.ClassName;
            descriptor = fromConfig is null ? null : SchedulerCatalog.FindClass(fromConfig);
            if (descriptor is null)
                throw new SchedulerConfigurationException("scheduler", fromConfig,
                    $"scheduler config class '{fromConfig ?? "(none)"}' is not supported; choose one of: {string.Join(", ", Names)}");
        }
        else
        {
            var alias = SchedulerCatalog.FindAlias(name);
            descriptor = alias is not null ? SchedulerCatalog.FindClass(alias.ClassName) : SchedulerCatalog.FindClass(name.Trim());
            if (descriptor is null)
                throw new SchedulerConfigurationException("scheduler", name,
                    $"unknown scheduler '{name}'; choose one of: {string.Join(", ", Names)} (or a diffusers class: {string.Join(", ", ClassNames)})");
            if (alias is not null) implied = alias.ImpliedOverrides;
        }
        var merged = new Dictionary<string, string>(implied, StringComparer.Ordinal);
        if (overrides is not null)
            foreach (var (key, value) in overrides) merged[key] = value;
        return (descriptor, ConfigResolver.Resolve(descriptor.ClassName, descriptor.Options, baseConfig, merged));
    }
}
