using Diffusion.Schedulers.Internal;

namespace Diffusion.Schedulers;

/// <summary>
/// diffusers <c>HeunDiscreteScheduler</c> (Karras et al. 2022, Algorithm 1): Heun's second-order
/// method; every inference step takes two model evaluations, so the timesteps are
/// <c>t0, t1, t1, t2, t2, ...</c> (2n - 1 of them) and <see cref="IScheduler.Step"/> is called for each.
/// </summary>
internal sealed class HeunDiscreteScheduler : SigmaSchedulerBase
{
    internal const string ClassName = "HeunDiscreteScheduler";

    internal static readonly OptionSpec[] Options =
    [
        .. OptionSpec.BetaSchedule(betaStart: 0.00085, betaEnd: 0.012),
        OptionSpec.Str("prediction_type", "epsilon"),
        OptionSpec.Bool("use_karras_sigmas", false),
        OptionSpec.Bool("clip_sample", false),
        OptionSpec.Num("clip_sample_range", 1.0),
        OptionSpec.Str("timestep_spacing", "linspace"),
        OptionSpec.Int("steps_offset", 0),
    ];

    private readonly PredictionType _prediction;
    private readonly bool _clipSample;
    private readonly float _clipRange;

    // The first-order half-step kept for the correction (diffusers: prev_derivative, dt, sample).
    private float[]? _prevDerivative;
    private float? _dt;
    private float[]? _firstSample;

    /// <summary>Creates the scheduler from a configuration (missing keys take the class defaults).</summary>
    /// <exception cref="SchedulerConfigurationException">An option is malformed or not supported.</exception>
    public HeunDiscreteScheduler(SchedulerConfig config)
        : base(ClassName, Options, config)
    {
        _prediction = PredictionTypes.Read(Config, Name, "epsilon", "v_prediction", "sample");
        _clipSample = Config.GetBoolean("clip_sample");
        _clipRange = (float)Config.GetDouble("clip_sample_range");
        Spacing = TimestepSpacing.Read(Config, Name);
        Training = TrainingSchedule.Create(Config, Name, ["linear", "scaled_linear", "squaredcos_cap_v2", "exp"],
            rescaleZeroSnr: false, fixLastAlphaCumprod: false);
        // diffusers calls set_timesteps(num_train_timesteps) in the constructor.
        SetTimestepsCore(Training.Length);
    }

    /// <inheritdoc />
    public override int Order => 2;

    private bool StateInFirstOrder => _dt is null;

    private protected override void SetTimestepsCore(int numInferenceSteps)
    {
        // diffusers HeunDiscreteScheduler.set_timesteps
        int n = numInferenceSteps;
        var timesteps32 = TimestepSpacing.Float32(Spacing, Training.Length, n, Config.GetInt64("steps_offset"));
        double[] timesteps = Array.ConvertAll(timesteps32, t => (double)t);
        var sigmas = InterpolatedSigmas(timesteps);
        TimestepsAreFloat32 = true;
        if (Config.GetBoolean("use_karras_sigmas"))
        {
            // Karras timesteps stay float64 in diffusers' Heun (no astype(float32)).
            (sigmas, timesteps) = KarrasSchedule(sigmas, n, configBounds: Config.ContainsKey("sigma_min") || Config.ContainsKey("sigma_max"));
            TimestepsAreFloat32 = false;
        }
        // sigmas: s0, s1, s1, s2, s2, ..., s_{n-1}, s_{n-1}, 0; timesteps: t0, t1, t1, ..., t_{n-1}, t_{n-1}.
        var sigmas32 = sigmas.Select(s => (float)s).Append(0f).ToArray();
        var interleaved = new List<float> { sigmas32[0] };
        for (int i = 1; i < sigmas32.Length - 1; i++) { interleaved.Add(sigmas32[i]); interleaved.Add(sigmas32[i]); }
        interleaved.Add(sigmas32[^1]);
        SigmaValues = [.. interleaved];
        var ts = new List<double> { timesteps[0] };
        for (int i = 1; i < timesteps.Length; i++) { ts.Add(timesteps[i]); ts.Add(timesteps[i]); }
        TimestepValues = [.. ts];
        _prevDerivative = null;
        _dt = null;
        _firstSample = null;
        StepIndex = null;
        BeginIndex = null;
    }

    private protected override void StepCore(ReadOnlySpan<float> modelOutput, double timestep, ReadOnlySpan<float> sample,
        Span<float> prevSample, ReadOnlySpan<long> shape, INoiseSource? noise, StepOptions options)
    {
        // diffusers HeunDiscreteScheduler.step
        StepIndex ??= InitialStepIndex(timestep);
        int index = StepIndex.Value;
        bool first = StateInFirstOrder;
        float sigma = first ? SigmaValues[index] : SigmaValues[index - 1];
        float sigmaNext = first ? SigmaValues[index + 1] : SigmaValues[index];
        float sigmaHat = sigma; // sigma * (gamma + 1) with gamma = 0
        float sigmaInput = first ? sigmaHat : sigmaNext;
        float vScale = -sigmaInput / MathF.Sqrt(sigmaInput * sigmaInput + 1f), vDenominator = sigmaInput * sigmaInput + 1f;
        int n = sample.Length;
        if (first)
        {
            // 1. first-order (Euler) half: derivative at sigma, step to sigma_next; remember both.
            var derivative = new float[n];
            float dt = sigmaNext - sigmaHat;
            for (int i = 0; i < n; i++)
            {
                float x = sample[i];
                derivative[i] = (x - Denoised(x, modelOutput[i], sigmaInput, vScale, vDenominator)) / sigmaHat;
                prevSample[i] = x + derivative[i] * dt;
            }
            _prevDerivative = derivative;
            _dt = dt;
            _firstSample = sample.ToArray();
        }
        else
        {
            // 2. second-order correction: average the derivatives at sigma and sigma_next, restart
            //    from the sample saved by the first half.
            float dt = _dt!.Value;
            var prevDerivative = _prevDerivative!;
            var firstSample = _firstSample!;
            for (int i = 0; i < n; i++)
            {
                float x = sample[i];
                float derivative = (x - Denoised(x, modelOutput[i], sigmaInput, vScale, vDenominator)) / sigmaNext;
                derivative = (prevDerivative[i] + derivative) / 2;
                prevSample[i] = firstSample[i] + derivative * dt;
            }
            _prevDerivative = null;
            _dt = null;
            _firstSample = null;
        }
        StepIndex = index + 1;
    }

    private float Denoised(float x, float m, float sigmaInput, float vScale, float vDenominator)
    {
        float pred = _prediction switch
        {
            PredictionType.Epsilon => x - sigmaInput * m,
            PredictionType.VPrediction => m * vScale + x / vDenominator,
            _ => m,
        };
        return _clipSample ? Math.Clamp(pred, -_clipRange, _clipRange) : pred;
    }

    private protected override void SaveRunState(Dictionary<string, long> integers, Dictionary<string, double> scalars,
        Dictionary<string, float[]> tensors)
    {
        if (_dt is float dt) scalars["dt"] = dt;
        if (_prevDerivative is not null) tensors["prev_derivative"] = (float[])_prevDerivative.Clone();
        if (_firstSample is not null) tensors["sample"] = (float[])_firstSample.Clone();
    }

    private protected override void RestoreRunState(IReadOnlyDictionary<string, long> integers,
        IReadOnlyDictionary<string, double> scalars, IReadOnlyDictionary<string, float[]> tensors)
    {
        _dt = scalars.TryGetValue("dt", out double dt) ? (float)dt : null;
        _prevDerivative = tensors.TryGetValue("prev_derivative", out var d) ? (float[])d.Clone() : null;
        _firstSample = tensors.TryGetValue("sample", out var s) ? (float[])s.Clone() : null;
        if (_dt is null != (_prevDerivative is null) || _dt is null != (_firstSample is null))
            throw new ArgumentException("Heun state needs dt, prev_derivative and sample together", nameof(scalars));
    }
}
