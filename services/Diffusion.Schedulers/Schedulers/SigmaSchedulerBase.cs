using Diffusion.Schedulers.Internal;

namespace Diffusion.Schedulers;

/// <summary>
/// The k-diffusion style schedulers (LMS, Euler, Euler a, Heun): float32 sigmas with a trailing 0,
/// inputs scaled by <c>1 / sqrt(sigma^2 + 1)</c>, a step index found from the first timestep
/// (or set by <c>set_begin_index</c>), and <c>add_noise = x + sigma * noise</c>.
/// </summary>
internal abstract class SigmaSchedulerBase : SchedulerBase
{
    private protected SigmaSchedulerBase(string name, IReadOnlyList<OptionSpec> options, SchedulerConfig config)
        : base(name, options, config)
    {
    }

    /// <inheritdoc />
    public override IReadOnlyList<double>? Sigmas => Array.ConvertAll(SigmaValues, s => (double)s);

    /// <inheritdoc />
    public override bool IntegerTimesteps => false;

    /// <inheritdoc />
    public override bool SupportsBeginIndex => true;

    /// <summary>diffusers' <c>init_noise_sigma</c>: <c>max(sigmas)</c> for linspace/trailing spacing,
    /// <c>sqrt(max(sigmas)^2 + 1)</c> for leading (float32 arithmetic).</summary>
    public override double InitNoiseSigma
    {
        get
        {
            float max = SigmaValues.Length == 0 ? 0f : SigmaValues.Max();
            return Spacing is "linspace" or "trailing" ? max : MathF.Sqrt(max * max + 1f);
        }
    }

    /// <summary>The sigmas, float32, one trailing entry beyond the timesteps.</summary>
    private protected float[] SigmaValues { get; set; } = [];

    /// <summary>True when the timesteps are float32 (compare in float32); false for Heun's float64
    /// Karras timesteps.</summary>
    private protected bool TimestepsAreFloat32 { get; set; } = true;

    private protected string Spacing { get; set; } = "linspace";

    /// <inheritdoc />
    public override void SetBeginIndex(int beginIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(beginIndex);
        BeginIndex = beginIndex;
    }

    /// <summary>diffusers <c>scale_model_input</c>: <c>sample / sqrt(sigma^2 + 1)</c> in float32.</summary>
    public override void ScaleModelInput(ReadOnlySpan<float> sample, double timestep, Span<float> destination)
    {
        if (destination.Length != sample.Length)
            throw new ArgumentException("destination length differs from sample", nameof(destination));
        StepIndex ??= InitialStepIndex(timestep);
        float sigma = SigmaValues[StepIndex.Value];
        float scale = MathF.Sqrt(sigma * sigma + 1f);
        for (int i = 0; i < sample.Length; i++) destination[i] = sample[i] / scale;
    }

    /// <summary>diffusers <c>_init_step_index</c>: the begin index when set, else the timestep's index.</summary>
    private protected int InitialStepIndex(double timestep) => BeginIndex ?? IndexForTimestep(timestep);

    /// <summary>diffusers <c>index_for_timestep</c>: the first match, or the second when the timestep
    /// occurs more than once (so a run started mid-schedule does not skip a sigma).</summary>
    private protected int IndexForTimestep(double timestep)
    {
        int first = -1;
        for (int i = 0; i < TimestepValues.Length; i++)
        {
            bool equal = TimestepsAreFloat32 ? (float)TimestepValues[i] == (float)timestep : TimestepValues[i] == timestep;
            if (!equal) continue;
            if (first >= 0) return i;
            first = i;
        }
        return first >= 0 ? first : throw new ArgumentException($"{Name}: timestep {timestep} is not in the schedule", nameof(timestep));
    }

    private protected override (float A, float B)[] AddNoiseFactors(ReadOnlySpan<double> timesteps)
    {
        var result = new (float, float)[timesteps.Length];
        for (int i = 0; i < result.Length; i++)
        {
            int index = BeginIndex is null ? IndexForTimestep(timesteps[i]) : StepIndex ?? BeginIndex.Value;
            result[i] = (1f, SigmaValues[index]);
        }
        return result;
    }

    /// <summary>The float32 sigmas at the float32 timesteps, <c>np.interp</c> over the training sigmas.</summary>
    private protected double[] InterpolatedSigmas(ReadOnlySpan<double> timesteps) =>
        NumpyMath.InterpOverIndex(timesteps, Training.TrainingSigmas());

    /// <summary>Karras sigmas from interpolated ones, honouring <c>sigma_min</c>/<c>sigma_max</c> when the
    /// class has them, and the matching fractional timesteps.</summary>
    /// <param name="sigmas">The interpolated sigmas, descending.</param>
    /// <param name="n">The number of inference steps.</param>
    /// <param name="configBounds">Whether this class's <c>_convert_to_karras</c> reads
    /// <c>config.sigma_min/sigma_max</c> (present when the class or the loaded config has them).</param>
    private protected (double[] Sigmas, double[] Timesteps) KarrasSchedule(double[] sigmas, int n, bool configBounds)
    {
        double sigmaMin = configBounds && !Config.IsNull("sigma_min") ? Config.GetDouble("sigma_min") : sigmas[^1];
        double sigmaMax = configBounds && !Config.IsNull("sigma_max") ? Config.GetDouble("sigma_max") : sigmas[0];
        var karras = SigmaMath.Karras(sigmaMin, sigmaMax, n);
        var logSigmas = SigmaMath.LogSigmas(Training.TrainingSigmas());
        return (karras, karras.Select(s => SigmaMath.SigmaToT(s, logSigmas)).ToArray());
    }
}
