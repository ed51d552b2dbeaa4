using Diffusion.Schedulers.Internal;

namespace Diffusion.Schedulers;

/// <summary>
/// diffusers <c>DDPMScheduler</c> (Ho et al. 2020): ancestral sampling of the posterior
/// q(x_{t-1} | x_t, x_0) (eq. 6, 7), drawing noise for every t &gt; 0.
/// </summary>
internal sealed class DdpmScheduler : SchedulerBase
{
    internal const string ClassName = "DDPMScheduler";

    internal static readonly OptionSpec[] Options =
    [
        .. OptionSpec.BetaSchedule(),
        OptionSpec.Str("variance_type", "fixed_small"),
        OptionSpec.Bool("clip_sample", true),
        OptionSpec.Str("prediction_type", "epsilon"),
        OptionSpec.Bool("thresholding", false),
        OptionSpec.Num("dynamic_thresholding_ratio", 0.995),
        OptionSpec.Num("clip_sample_range", 1.0),
        OptionSpec.Num("sample_max_value", 1.0),
        OptionSpec.Str("timestep_spacing", "leading"),
        OptionSpec.Int("steps_offset", 0),
        OptionSpec.Bool("rescale_betas_zero_snr", false),
    ];

    private readonly PredictionType _prediction;
    private readonly string _varianceType;
    private readonly string _spacing;
    private readonly bool _clipSample;
    private readonly float _clipRange;

    /// <summary>Creates the scheduler from a configuration (missing keys take the class defaults).</summary>
    /// <exception cref="SchedulerConfigurationException">An option is malformed or not supported
    /// (thresholding; the learned variance types, which need a 2C-channel model output;
    /// fixed_large_log, which yields NaN in diffusers 0.27.2).</exception>
    public DdpmScheduler(SchedulerConfig config)
        : base(ClassName, Options, config)
    {
        _prediction = PredictionTypes.Read(Config, Name, "epsilon", "sample", "v_prediction");
        _varianceType = Validate.OneOf(Config, "variance_type", Name, "fixed_small", "fixed_small_log", "fixed_large");
        Validate.NotSet(Config, "thresholding", Name, "dynamic thresholding is not implemented; it is unsuitable for latent diffusion");
        _clipSample = Config.GetBoolean("clip_sample");
        _clipRange = (float)Config.GetDouble("clip_sample_range");
        _spacing = TimestepSpacing.Read(Config, Name);
        Training = TrainingSchedule.Create(Config, Name, ["linear", "scaled_linear", "squaredcos_cap_v2", "sigmoid"],
            Config.GetBoolean("rescale_betas_zero_snr"), fixLastAlphaCumprod: false);
        TimestepValues = Enumerable.Range(0, Training.Length).Reverse().Select(t => (double)t).ToArray();
    }

    /// <inheritdoc />
    public override bool IntegerTimesteps => true;

    /// <inheritdoc />
    public override double InitNoiseSigma => 1.0;

    private protected override void SetTimestepsCore(int numInferenceSteps)
    {
        // diffusers DDPMScheduler.set_timesteps (num_inference_steps, no custom timesteps)
        if (numInferenceSteps > Training.Length)
            throw new ArgumentOutOfRangeException(nameof(numInferenceSteps), numInferenceSteps,
                $"{Name}: num_inference_steps cannot exceed num_train_timesteps={Training.Length}");
        TimestepValues = Array.ConvertAll(
            TimestepSpacing.Discrete(_spacing, Training.Length, numInferenceSteps, Config.GetInt64("steps_offset")), t => (double)t);
    }

    private protected override void StepCore(ReadOnlySpan<float> modelOutput, double timestep, ReadOnlySpan<float> sample,
        Span<float> prevSample, ReadOnlySpan<long> shape, INoiseSource? noise, StepOptions options)
    {
        // diffusers DDPMScheduler.step
        int t = TrainIndex(timestep);
        int prevT = t - Training.Length / NumInferenceSteps!.Value; // previous_timestep
        var acp = Training.AlphasCumprod;

        // 1. alphas and betas (eq. 6/7 notation)
        float alphaProdT = acp[t];
        float alphaProdTPrev = prevT >= 0 ? acp[prevT] : 1f;
        float betaProdT = 1f - alphaProdT;
        float betaProdTPrev = 1f - alphaProdTPrev;
        float currentAlphaT = alphaProdT / alphaProdTPrev;
        float currentBetaT = 1f - currentAlphaT;

        // 4. coefficients of x_0 and x_t in the posterior mean, eq. (7)
        float predOriginalCoeff = MathF.Sqrt(alphaProdTPrev) * currentBetaT / betaProdT;
        float currentSampleCoeff = MathF.Sqrt(currentAlphaT) * betaProdTPrev / betaProdT;
        float sqrtBeta = MathF.Sqrt(betaProdT), sqrtAlpha = MathF.Sqrt(alphaProdT);

        for (int i = 0; i < sample.Length; i++)
        {
            // 2. predicted x_0, eq. (15)
            float x = sample[i], m = modelOutput[i];
            float pred = _prediction switch
            {
                PredictionType.Epsilon => (x - sqrtBeta * m) / sqrtAlpha,
                PredictionType.VPrediction => sqrtAlpha * x - sqrtBeta * m,
                _ => m,
            };
            // 3. clip x_0
            if (_clipSample) pred = Math.Clamp(pred, -_clipRange, _clipRange);
            // 5. posterior mean
            prevSample[i] = predOriginalCoeff * pred + currentSampleCoeff * x;
        }

        // 6. add noise for t > 0
        if (t > 0)
        {
            var eps = DrawNoise(noise, shape, sample.Length, "DDPM draws for every t > 0");
            float std = Deviation(t, prevT);
            for (int i = 0; i < prevSample.Length; i++) prevSample[i] += std * eps[i];
        }
    }

    private protected override (float A, float B)[] AddNoiseFactors(ReadOnlySpan<double> timesteps) =>
        AlphaNoising.Factors(Training.AlphasCumprod, timesteps, Name);

    /// <summary>The factor of the noise: <c>_get_variance(t) ** 0.5</c> (fixed_small, fixed_large) or
    /// <c>exp(0.5 * log(variance))</c> (fixed_small_log).</summary>
    private float Deviation(int t, int prevT)
    {
        var acp = Training.AlphasCumprod;
        float alphaProdT = acp[t];
        float alphaProdTPrev = prevT >= 0 ? acp[prevT] : 1f;
        float currentBetaT = 1f - alphaProdT / alphaProdTPrev;
        // "fixed_small": beta-tilde of eq. (7), clamped away from 0 (the log would be -inf at t = 0)
        float variance = Math.Max((1f - alphaProdTPrev) / (1f - alphaProdT) * currentBetaT, 1e-20f);
        return _varianceType switch
        {
            "fixed_small_log" => SleefMath.Exp(0.5f * SleefMath.Log(variance)),
            "fixed_large" => MathF.Sqrt(currentBetaT),
            _ => MathF.Sqrt(variance),
        };
    }
}
