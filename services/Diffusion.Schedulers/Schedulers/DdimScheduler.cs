using Diffusion.Schedulers.Internal;

namespace Diffusion.Schedulers;

/// <summary>
/// diffusers <c>DDIMScheduler</c> (Song et al. 2020, "Denoising Diffusion Implicit Models"): the
/// non-Markovian update of eq. (12), deterministic for eta = 0 and drawing noise only for eta &gt; 0.
/// </summary>
internal sealed class DdimScheduler : SchedulerBase
{
    internal const string ClassName = "DDIMScheduler";

    internal static readonly OptionSpec[] Options =
    [
        .. OptionSpec.BetaSchedule(),
        OptionSpec.Bool("clip_sample", true),
        OptionSpec.Bool("set_alpha_to_one", true),
        OptionSpec.Int("steps_offset", 0),
        OptionSpec.Str("prediction_type", "epsilon"),
        OptionSpec.Bool("thresholding", false),
        OptionSpec.Num("dynamic_thresholding_ratio", 0.995),
        OptionSpec.Num("clip_sample_range", 1.0),
        OptionSpec.Num("sample_max_value", 1.0),
        OptionSpec.Str("timestep_spacing", "leading"),
        OptionSpec.Bool("rescale_betas_zero_snr", false),
    ];

    private readonly PredictionType _prediction;
    private readonly string _spacing;
    private readonly bool _clipSample;
    private readonly float _clipRange;
    private readonly float _finalAlphaCumprod;

    /// <summary>Creates the scheduler from a configuration (missing keys take the class defaults).</summary>
    /// <exception cref="SchedulerConfigurationException">An option is malformed or not supported (thresholding).</exception>
    public DdimScheduler(SchedulerConfig config)
        : base(ClassName, Options, config)
    {
        _prediction = PredictionTypes.Read(Config, Name, "epsilon", "sample", "v_prediction");
        Validate.NotSet(Config, "thresholding", Name, "dynamic thresholding is not implemented; it is unsuitable for latent diffusion");
        _clipSample = Config.GetBoolean("clip_sample");
        _clipRange = (float)Config.GetDouble("clip_sample_range");
        _spacing = TimestepSpacing.Read(Config, Name);
        Training = TrainingSchedule.Create(Config, Name, ["linear", "scaled_linear", "squaredcos_cap_v2"],
            Config.GetBoolean("rescale_betas_zero_snr"), fixLastAlphaCumprod: false);
        // The "previous" alphas_cumprod of the last step: 1 or alphas_cumprod[0] (SD uses the latter).
        _finalAlphaCumprod = Config.GetBoolean("set_alpha_to_one") ? 1f : Training.AlphasCumprod[0];
        TimestepValues = Enumerable.Range(0, Training.Length).Reverse().Select(t => (double)t).ToArray();
    }

    /// <inheritdoc />
    public override bool IntegerTimesteps => true;

    /// <inheritdoc />
    public override double InitNoiseSigma => 1.0;

    private protected override void SetTimestepsCore(int numInferenceSteps)
    {
        // diffusers DDIMScheduler.set_timesteps
        if (numInferenceSteps > Training.Length)
            throw new ArgumentOutOfRangeException(nameof(numInferenceSteps), numInferenceSteps,
                $"{Name}: num_inference_steps cannot exceed num_train_timesteps={Training.Length}");
        TimestepValues = Array.ConvertAll(
            TimestepSpacing.Discrete(_spacing, Training.Length, numInferenceSteps, Config.GetInt64("steps_offset")), t => (double)t);
    }

    private protected override void StepCore(ReadOnlySpan<float> modelOutput, double timestep, ReadOnlySpan<float> sample,
        Span<float> prevSample, ReadOnlySpan<long> shape, INoiseSource? noise, StepOptions options)
    {
        // diffusers DDIMScheduler.step (use_clipped_model_output = False)
        // 1. previous step value (=t-1)
        int t = TrainIndex(timestep);
        int prevT = t - Training.Length / NumInferenceSteps!.Value;

        // 2. alphas, betas
        var acp = Training.AlphasCumprod;
        float alphaProdT = acp[t];
        float alphaProdTPrev = prevT >= 0 ? acp[prevT] : _finalAlphaCumprod;
        float betaProdT = 1f - alphaProdT;
        float sqrtAlpha = MathF.Sqrt(alphaProdT), sqrtBeta = MathF.Sqrt(betaProdT);

        // 5. sigma_t(eta) of eq. (16): eta * sqrt(variance)
        float betaProdTPrev = 1f - alphaProdTPrev;
        float variance = betaProdTPrev / betaProdT * (1f - alphaProdT / alphaProdTPrev);
        float stdDevT = (float)options.Eta * MathF.Sqrt(variance);

        // 6./7. "direction pointing to x_t" and x_{t-1} without noise, eq. (12)
        float directionCoeff = MathF.Sqrt(1f - alphaProdTPrev - stdDevT * stdDevT);
        float sqrtAlphaPrev = MathF.Sqrt(alphaProdTPrev);
        for (int i = 0; i < sample.Length; i++)
        {
            // 3. predicted x_0 (eq. 12's "predicted x_0") and epsilon
            float x = sample[i], m = modelOutput[i];
            float pred, eps;
            switch (_prediction)
            {
                case PredictionType.Epsilon:
                    pred = (x - sqrtBeta * m) / sqrtAlpha;
                    eps = m;
                    break;
                case PredictionType.VPrediction:
                    pred = sqrtAlpha * x - sqrtBeta * m;
                    eps = sqrtAlpha * m + sqrtBeta * x;
                    break;
                default:
                    pred = m;
                    eps = (x - sqrtAlpha * pred) / sqrtBeta;
                    break;
            }
            // 4. clip x_0
            if (_clipSample) pred = Math.Clamp(pred, -_clipRange, _clipRange);
            prevSample[i] = sqrtAlphaPrev * pred + directionCoeff * eps;
        }

        // 8. noise only for eta > 0
        if (options.Eta > 0)
        {
            var e = DrawNoise(noise, shape, sample.Length, "DDIM with eta > 0");
            for (int i = 0; i < prevSample.Length; i++) prevSample[i] += stdDevT * e[i];
        }
    }

    private protected override (float A, float B)[] AddNoiseFactors(ReadOnlySpan<double> timesteps) =>
        AlphaNoising.Factors(Training.AlphasCumprod, timesteps, Name);
}
