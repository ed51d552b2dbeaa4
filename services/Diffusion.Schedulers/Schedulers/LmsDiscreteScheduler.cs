using Diffusion.Schedulers.Internal;

namespace Diffusion.Schedulers;

/// <summary>
/// diffusers <c>LMSDiscreteScheduler</c>: a linear multistep method (up to 4 past derivatives) on the
/// sigma-space ODE, with the weights integrated from the Lagrange basis (k-diffusion's <c>sample_lms</c>).
/// </summary>
internal sealed class LmsDiscreteScheduler : SigmaSchedulerBase
{
    internal const string ClassName = "LMSDiscreteScheduler";

    /// <summary>diffusers' <c>step(order=4)</c> default.</summary>
    private const int MaxOrder = 4;

    internal static readonly OptionSpec[] Options =
    [
        .. OptionSpec.BetaSchedule(),
        OptionSpec.Bool("use_karras_sigmas", false),
        OptionSpec.Str("prediction_type", "epsilon"),
        OptionSpec.Str("timestep_spacing", "linspace"),
        OptionSpec.Int("steps_offset", 0),
    ];

    private readonly PredictionType _prediction;
    private readonly List<float[]> _derivatives = [];

    /// <summary>Creates the scheduler from a configuration (missing keys take the class defaults).</summary>
    /// <exception cref="SchedulerConfigurationException">An option is malformed or not supported.</exception>
    public LmsDiscreteScheduler(SchedulerConfig config)
        : base(ClassName, Options, config)
    {
        _prediction = PredictionTypes.Read(Config, Name, "epsilon", "v_prediction", "sample");
        Spacing = TimestepSpacing.Read(Config, Name);
        Training = TrainingSchedule.Create(Config, Name, ["linear", "scaled_linear", "squaredcos_cap_v2"],
            rescaleZeroSnr: false, fixLastAlphaCumprod: false);
        // diffusers calls set_timesteps(num_train_timesteps) in the constructor.
        SetTimestepsCore(Training.Length);
    }

    private protected override void SetTimestepsCore(int numInferenceSteps)
    {
        // diffusers LMSDiscreteScheduler.set_timesteps
        int n = numInferenceSteps;
        var timesteps32 = TimestepSpacing.Float32(Spacing, Training.Length, n, Config.GetInt64("steps_offset"));
        double[] timesteps = Array.ConvertAll(timesteps32, t => (double)t);
        var sigmas = InterpolatedSigmas(timesteps);
        TimestepsAreFloat32 = true;
        if (Config.GetBoolean("use_karras_sigmas"))
        {
            // LMS's _convert_to_karras ignores config sigma bounds; its Karras timesteps stay float64.
            (sigmas, timesteps) = KarrasSchedule(sigmas, n, configBounds: false);
            TimestepsAreFloat32 = false;
        }
        SigmaValues = [.. sigmas.Select(s => (float)s), 0f];
        TimestepValues = timesteps;
        _derivatives.Clear();
        StepIndex = null;
        BeginIndex = null;
    }

    private protected override void StepCore(ReadOnlySpan<float> modelOutput, double timestep, ReadOnlySpan<float> sample,
        Span<float> prevSample, ReadOnlySpan<long> shape, INoiseSource? noise, StepOptions options)
    {
        // diffusers LMSDiscreteScheduler.step
        StepIndex ??= InitialStepIndex(timestep);
        int index = StepIndex.Value;
        float sigma = SigmaValues[index];
        float vScale = -sigma / MathF.Sqrt(sigma * sigma + 1f), vDenominator = sigma * sigma + 1f;
        int n = sample.Length;

        // 1. the ODE derivative (x - x0) / sigma
        var derivative = new float[n];
        for (int i = 0; i < n; i++)
        {
            float x = sample[i], m = modelOutput[i];
            float pred = _prediction switch
            {
                PredictionType.Epsilon => x - sigma * m,
                PredictionType.VPrediction => m * vScale + x / vDenominator,
                _ => m,
            };
            derivative[i] = (x - pred) / sigma;
        }
        _derivatives.Add(derivative);
        if (_derivatives.Count > MaxOrder) _derivatives.RemoveAt(0);

        // 2. linear multistep: x + sum_k c_k * d_{t-k}, c_k = integral of the k-th Lagrange basis.
        int order = Math.Min(index + 1, MaxOrder);
        var coefficients = new float[order];
        for (int k = 0; k < order; k++)
            coefficients[k] = (float)LmsCoefficients.Coefficient(SigmaValues, order, index, k);
        for (int i = 0; i < n; i++)
        {
            // Python's sum() over zip(coeffs, reversed(derivatives)), left to right, then sample + sum.
            float sum = coefficients[0] * _derivatives[^1][i];
            for (int k = 1; k < order && k < _derivatives.Count; k++)
                sum += coefficients[k] * _derivatives[^(k + 1)][i];
            prevSample[i] = sample[i] + sum;
        }
        StepIndex = index + 1;
    }

    private protected override void SaveRunState(Dictionary<string, long> integers, Dictionary<string, double> scalars,
        Dictionary<string, float[]> tensors)
    {
        for (int i = 0; i < _derivatives.Count; i++) tensors[$"derivatives.{i}"] = (float[])_derivatives[i].Clone();
    }

    private protected override void RestoreRunState(IReadOnlyDictionary<string, long> integers,
        IReadOnlyDictionary<string, double> scalars, IReadOnlyDictionary<string, float[]> tensors)
    {
        _derivatives.Clear();
        for (int i = 0; tensors.TryGetValue($"derivatives.{i}", out var d); i++) _derivatives.Add((float[])d.Clone());
    }
}
