using System.Globalization;
using Diffusion.Schedulers;

namespace Diffusion.Pipelines.Generation;

/// <summary>
/// A request's scheduler options (the contract's <c>scheduler_options</c> map) split into what
/// diffusers passes to <c>scheduler.step</c> (eta, s_churn, s_tmin, s_tmax, s_noise) and overrides
/// of scheduler_config.json keys (everything else, e.g. <c>timestep_spacing</c>).
/// </summary>
public static class SchedulerOptions
{
    private static readonly string[] StepKeys = ["eta", "s_churn", "s_tmin", "s_tmax", "s_noise"];

    /// <summary>Splits <paramref name="options"/>; a step option that is not a finite number is an
    /// <see cref="ArgumentException"/> naming it.</summary>
    public static (StepOptions? Step, IReadOnlyDictionary<string, string> ConfigOverrides) Split(IReadOnlyDictionary<string, string>? options)
    {
        var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
        if (options is null || options.Count == 0)
            return (null, overrides);
        StepOptions? step = null;
        foreach (var (key, value) in options)
        {
            if (Array.IndexOf(StepKeys, key) < 0)
            {
                overrides[key] = value;
                continue;
            }
            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double number)
                || double.IsNaN(number) || (double.IsInfinity(number) && key != "s_tmax"))
                throw new ArgumentException($"scheduler option '{key}' must be a finite number, got '{value}'");
            step ??= StepOptions.Default;
            step = key switch
            {
                "eta" => step with { Eta = number },
                "s_churn" => step with { SChurn = number },
                "s_tmin" => step with { STmin = number },
                "s_tmax" => step with { STmax = number },
                _ => step with { SNoise = number },
            };
        }
        return (step, overrides);
    }
}
