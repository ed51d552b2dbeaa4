namespace Diffusion.Schedulers;

/// <summary>
/// A scheduler name, configuration option or argument that is unknown, malformed or not implemented.
/// Thrown when a scheduler is created (never half-way through a run), so a request fails before any
/// model work is done. <see cref="Option"/> and <see cref="Value"/> name the culprit.
/// </summary>
public sealed class SchedulerConfigurationException : ArgumentException
{
    /// <summary>Creates the exception for <paramref name="option"/> = <paramref name="value"/>.</summary>
    public SchedulerConfigurationException(string option, string? value, string message)
        : base(message)
    {
        Option = option;
        Value = value;
    }

    /// <summary>The configuration key (e.g. <c>thresholding</c>) or <c>scheduler</c> for a name.</summary>
    public string Option { get; }

    /// <summary>The offending value as text, or null.</summary>
    public string? Value { get; }
}
