using Diffusion.Schedulers.Internal;

namespace Diffusion.Schedulers;

/// <summary>
/// diffusers <c>EulerDiscreteScheduler</c> (Karras et al. 2022, Algorithm 2): one Euler step of the
/// probability-flow ODE in sigma space per model evaluation, with optional churn.
/// </summary>
internal sealed class EulerDiscreteScheduler : SigmaSchedulerBase
{
    internal const string ClassName = "EulerDiscreteScheduler";

    internal static readonly OptionSpec[] Options =
    [
        .. OptionSpec.BetaSchedule(),
        OptionSpec.Str("prediction_type", "epsilon"),
        OptionSpec.Str("interpolation_type", "linear"),
        OptionSpec.Bool("use_karras_sigmas", false),
        new("sigma_min", OptionKind.NullableNumber, "null"),
        new("sigma_max", OptionKind.NullableNumber, "null"),
        OptionSpec.Str("timestep_spacing", "linspace"),
        OptionSpec.Str("timestep_type", "discrete"),
        OptionSpec.Int("steps_offset", 0),
        OptionSpec.Bool("rescale_betas_zero_snr", false),
    ];

    private readonly PredictionType _prediction;
    private readonly string _interpolationType;
    private readonly bool _continuousTimesteps;

    /// <summary>Creates the scheduler from a configuration (missing keys take the class defaults).</summary>
    /// <exception cref="SchedulerConfigurationException">An option is malformed or not supported.</exception>
    public EulerDiscreteScheduler(SchedulerConfig config)
        : base(ClassName, Options, config)
    {
        _prediction = PredictionTypes.Read(Config, Name, "epsilon", "v_prediction", "sample", "original_sample");
        _interpolationType = Validate.OneOf(Config, "interpolation_type", Name, "linear", "log_linear");
        string timestepType = Validate.OneOf(Config, "timestep_type", Name, "discrete", "continuous");
        Spacing = TimestepSpacing.Read(Config, Name);
        _continuousTimesteps = timestepType == "continuous" && _prediction == PredictionType.VPrediction;
        Training = TrainingSchedule.Create(Config, Name, ["linear", "scaled_linear", "squaredcos_cap_v2"],
            Config.GetBoolean("rescale_betas_zero_snr"), fixLastAlphaCumprod: true);

        // The constructor's full-length schedule (before set_timesteps): flipped training sigmas.
        var sigmas = Training.TrainingSigmas();
        Array.Reverse(sigmas);
        TimestepValues = _continuousTimesteps
            ? ContinuousTimesteps(sigmas)
            : NumpyMath.Linspace(0, Training.Length - 1, Training.Length).Reverse().Select(t => (double)(float)t).ToArray();
        SigmaValues = [.. sigmas, 0f];
    }

    private protected override void SetTimestepsCore(int numInferenceSteps)
    {
        // diffusers EulerDiscreteScheduler.set_timesteps
        int n = numInferenceSteps;
        var timesteps32 = TimestepSpacing.Float32(Spacing, Training.Length, n, Config.GetInt64("steps_offset"));
        double[] timesteps = Array.ConvertAll(timesteps32, t => (double)t);
        double[] sigmas;
        if (_interpolationType == "linear")
        {
            sigmas = InterpolatedSigmas(timesteps);
        }
        else
        {
            // log_linear: torch.linspace(log(sigma_min), log(sigma_max), n + 1).exp() in float32.
            var train = Training.TrainingSigmas();
            var logs = TorchMath.LinspaceFloat32(NumpyMath.LogFloat32(train[^1]), NumpyMath.LogFloat32(train[0]), n + 1);
            sigmas = Array.ConvertAll(logs, l => (double)SleefMath.Exp(l));
        }
        if (Config.GetBoolean("use_karras_sigmas"))
            (sigmas, timesteps) = KarrasSchedule(sigmas, n, configBounds: true);
        var sigmas32 = Array.ConvertAll(sigmas, s => (float)s);
        TimestepValues = _continuousTimesteps
            ? ContinuousTimesteps(sigmas32)
            : Array.ConvertAll(timesteps, t => (double)(float)t);
        SigmaValues = [.. sigmas32, 0f];
        StepIndex = null;
        BeginIndex = null;
    }

    private protected override void StepCore(ReadOnlySpan<float> modelOutput, double timestep, ReadOnlySpan<float> sample,
        Span<float> prevSample, ReadOnlySpan<long> shape, INoiseSource? noise, StepOptions options)
    {
        // diffusers EulerDiscreteScheduler.step
        StepIndex ??= InitialStepIndex(timestep);
        int index = StepIndex.Value;
        float sigma = SigmaValues[index];
        double gamma = (float)options.STmin <= sigma && sigma <= (float)options.STmax
            ? Math.Min(options.SChurn / (SigmaValues.Length - 1), Math.Sqrt(2) - 1)
            : 0.0;
        // randn_tensor is called every step, even when gamma == 0 leaves the noise unused: the
        // generator must advance exactly as in diffusers.
        var eps = DrawNoise(noise, shape, sample.Length, "Euler draws every step");
        float sNoise = (float)options.SNoise;
        float sigmaHat = sigma * (float)(gamma + 1);
        float churn = gamma > 0 ? MathF.Sqrt(sigmaHat * sigmaHat - sigma * sigma) : 0f;
        float dt = SigmaValues[index + 1] - sigmaHat;
        float vScale = -sigma / MathF.Sqrt(sigma * sigma + 1f), vDenominator = sigma * sigma + 1f;
        for (int i = 0; i < sample.Length; i++)
        {
            float x = sample[i];
            if (gamma > 0) x += eps[i] * sNoise * churn; // sample + eps * (sigma_hat^2 - sigma^2)^0.5
            float m = modelOutput[i];
            float pred = _prediction switch
            {
                PredictionType.Epsilon => x - sigmaHat * m,
                PredictionType.VPrediction => m * vScale + x / vDenominator,
                _ => m,
            };
            float derivative = (x - pred) / sigmaHat;
            prevSample[i] = x + derivative * dt;
        }
        StepIndex = index + 1;
    }

    /// <summary>timestep_type "continuous" with v-prediction: <c>0.25 * log(sigma)</c> in float32.</summary>
    private static double[] ContinuousTimesteps(float[] sigmas) => Array.ConvertAll(sigmas, s => (double)(0.25f * SleefMath.Log(s)));
}
