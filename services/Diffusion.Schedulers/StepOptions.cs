namespace Diffusion.Schedulers;

/// <summary>
/// The keyword arguments diffusers pipelines may pass to <c>scheduler.step</c> besides the generator.
/// A scheduler reads only the ones its <c>step</c> accepts and ignores the rest, like the pipelines'
/// <c>prepare_extra_step_kwargs</c>.
/// </summary>
public sealed record StepOptions
{
    /// <summary>The defaults of every <c>step</c> signature (eta 0, no churn).</summary>
    public static StepOptions Default { get; } = new();

    /// <summary>DDIM <c>eta</c> (0 = deterministic DDIM, 1 = DDPM-like variance).</summary>
    public double Eta { get; init; }

    /// <summary>Euler <c>s_churn</c>: stochasticity; 0 disables the churn (SD default).</summary>
    public double SChurn { get; init; }

    /// <summary>Euler <c>s_tmin</c>: churn applies only where sigma ≥ this.</summary>
    public double STmin { get; init; }

    /// <summary>Euler <c>s_tmax</c>: churn applies only where sigma ≤ this.</summary>
    public double STmax { get; init; } = double.PositiveInfinity;

    /// <summary>Euler <c>s_noise</c>: scale of the churn noise.</summary>
    public double SNoise { get; init; } = 1.0;
}
