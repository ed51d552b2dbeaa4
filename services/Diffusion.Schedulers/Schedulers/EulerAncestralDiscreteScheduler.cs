using Diffusion.Schedulers.Internal;

namespace Diffusion.Schedulers;

/// <summary>
/// diffusers <c>EulerAncestralDiscreteScheduler</c> ("Euler a"): an Euler step down to
/// <c>sigma_down</c>, then fresh noise of scale <c>sigma_up</c> (k-diffusion's ancestral sampling).
/// </summary>
internal sealed class EulerAncestralDiscreteScheduler : SigmaSchedulerBase
{
    internal const string ClassName = "EulerAncestralDiscreteScheduler";

    internal static readonly OptionSpec[] Options =
    [
        .. OptionSpec.BetaSchedule(),
        OptionSpec.Str("prediction_type", "epsilon"),
        OptionSpec.Str("timestep_spacing", "linspace"),
        OptionSpec.Int("steps_offset", 0),
        OptionSpec.Bool("rescale_betas_zero_snr", false),
    ];

    private readonly PredictionType _prediction;

    /// <summary>Creates the scheduler from a configuration (missing keys take the class defaults).</summary>
    /// <exception cref="SchedulerConfigurationException">An option is malformed or not supported
    /// (prediction_type "sample" raises NotImplementedError in diffusers' step).</exception>
    public EulerAncestralDiscreteScheduler(SchedulerConfig config)
        : base(ClassName, Options, config)
    {
        _prediction = PredictionTypes.Read(Config, Name, "epsilon", "v_prediction");
        Spacing = TimestepSpacing.Read(Config, Name);
        Training = TrainingSchedule.Create(Config, Name, ["linear", "scaled_linear", "squaredcos_cap_v2"],
            Config.GetBoolean("rescale_betas_zero_snr"), fixLastAlphaCumprod: true);
        var sigmas = Training.TrainingSigmas();
        Array.Reverse(sigmas);
        SigmaValues = [.. sigmas, 0f];
        TimestepValues = NumpyMath.Linspace(0, Training.Length - 1, Training.Length).Reverse().ToArray();
    }

    private protected override void SetTimestepsCore(int numInferenceSteps)
    {
        // diffusers EulerAncestralDiscreteScheduler.set_timesteps
        var timesteps = TimestepSpacing.Float32(Spacing, Training.Length, numInferenceSteps, Config.GetInt64("steps_offset"));
        TimestepValues = Array.ConvertAll(timesteps, t => (double)t);
        var sigmas = InterpolatedSigmas(TimestepValues);
        SigmaValues = [.. sigmas.Select(s => (float)s), 0f];
        StepIndex = null;
        BeginIndex = null;
    }

    private protected override void StepCore(ReadOnlySpan<float> modelOutput, double timestep, ReadOnlySpan<float> sample,
        Span<float> prevSample, ReadOnlySpan<long> shape, INoiseSource? noise, StepOptions options)
    {
        // diffusers EulerAncestralDiscreteScheduler.step
        StepIndex ??= InitialStepIndex(timestep);
        int index = StepIndex.Value;
        float sigma = SigmaValues[index];
        float sigmaFrom = sigma, sigmaTo = SigmaValues[index + 1];
        // sigma_up = (sigma_to^2 (sigma_from^2 - sigma_to^2) / sigma_from^2)^0.5, sigma_down = (sigma_to^2 - sigma_up^2)^0.5
        float sigmaUp = MathF.Sqrt(sigmaTo * sigmaTo * (sigmaFrom * sigmaFrom - sigmaTo * sigmaTo) / (sigmaFrom * sigmaFrom));
        float sigmaDown = MathF.Sqrt(sigmaTo * sigmaTo - sigmaUp * sigmaUp);
        float dt = sigmaDown - sigma;
        float vScale = -sigma / MathF.Sqrt(sigma * sigma + 1f), vDenominator = sigma * sigma + 1f;
        for (int i = 0; i < sample.Length; i++)
        {
            float x = sample[i], m = modelOutput[i];
            float pred = _prediction == PredictionType.Epsilon ? x - sigma * m : m * vScale + x / vDenominator;
            float derivative = (x - pred) / sigma;
            prevSample[i] = x + derivative * dt;
        }
        // The ancestral noise is drawn after the deterministic part, as diffusers does.
        var eps = DrawNoise(noise, shape, sample.Length, "Euler ancestral adds noise every step");
        for (int i = 0; i < prevSample.Length; i++) prevSample[i] += eps[i] * sigmaUp;
        StepIndex = index + 1;
    }
}
