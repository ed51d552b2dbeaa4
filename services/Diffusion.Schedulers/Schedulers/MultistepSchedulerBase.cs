using Diffusion.Schedulers.Internal;

namespace Diffusion.Schedulers;

/// <summary>
/// The exponential-integrator multistep schedulers (DPM-Solver++, UniPC): int64 timesteps, float32
/// sigmas with one trailing entry, a history of converted model outputs, unscaled model inputs and
/// <c>add_noise = alpha_t * x + sigma_t * noise</c> with <c>alpha_t = 1 / sqrt(sigma^2 + 1)</c>.
/// </summary>
internal abstract class MultistepSchedulerBase : SchedulerBase
{
    private protected MultistepSchedulerBase(string name, IReadOnlyList<OptionSpec> options, SchedulerConfig config)
        : base(name, options, config)
    {
    }

    /// <inheritdoc />
    public override IReadOnlyList<double>? Sigmas => Array.ConvertAll(SigmaValues, s => (double)s);

    /// <inheritdoc />
    public override bool IntegerTimesteps => true;

    /// <inheritdoc />
    public override double InitNoiseSigma => 1.0;

    /// <inheritdoc />
    public override bool SupportsBeginIndex => true;

    private protected float[] SigmaValues { get; set; } = [];

    /// <summary>The converted model outputs, oldest first (diffusers' <c>model_outputs</c>; null = None).</summary>
    private protected float[]?[] ModelOutputs { get; set; } = [];

    /// <summary>diffusers' <c>lower_order_nums</c>: warm-up steps taken so far (capped at the order).</summary>
    private protected int LowerOrderNums { get; set; }

    /// <inheritdoc />
    public override void SetBeginIndex(int beginIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(beginIndex);
        BeginIndex = beginIndex;
    }

    /// <summary>diffusers <c>_sigma_to_alpha_sigma_t</c> in float32: alpha_t = 1 / sqrt(sigma^2 + 1),
    /// sigma_t = sigma * alpha_t (the VP parameterisation of a VE sigma).</summary>
    private protected static (float Alpha, float Sigma) AlphaSigma(float sigma)
    {
        float alpha = 1f / MathF.Sqrt(sigma * sigma + 1f);
        return (alpha, sigma * alpha);
    }

    /// <summary>lambda = log(alpha_t) - log(sigma_t), the half log-SNR (float32).</summary>
    private protected static float Lambda(float alpha, float sigma) => SleefMath.Log(alpha) - SleefMath.Log(sigma);

    /// <summary>diffusers <c>_init_step_index</c>.</summary>
    private protected int InitialStepIndex(double timestep) => BeginIndex ?? IndexForTimestep(timestep);

    /// <summary>diffusers <c>index_for_timestep</c> of the multistep schedulers: the second match when the
    /// timestep repeats, the last index when it is absent.</summary>
    private protected int IndexForTimestep(double timestep)
    {
        int first = -1;
        for (int i = 0; i < TimestepValues.Length; i++)
        {
            if (TimestepValues[i] != timestep) continue;
            if (first >= 0) return i;
            first = i;
        }
        return first >= 0 ? first : TimestepValues.Length - 1;
    }

    private protected override (float A, float B)[] AddNoiseFactors(ReadOnlySpan<double> timesteps)
    {
        var result = new (float, float)[timesteps.Length];
        for (int i = 0; i < result.Length; i++)
        {
            int index = BeginIndex is null ? IndexForTimestep(timesteps[i]) : StepIndex ?? BeginIndex.Value;
            result[i] = AlphaSigma(SigmaValues[index]);
        }
        return result;
    }

    /// <summary>Shifts the history and appends the newest converted output.</summary>
    private protected void PushModelOutput(float[] converted)
    {
        for (int i = 0; i < ModelOutputs.Length - 1; i++) ModelOutputs[i] = ModelOutputs[i + 1];
        ModelOutputs[^1] = converted;
    }

    /// <summary>The (timestep, sigma) schedule of a multistep <c>set_timesteps</c> before the final sigma
    /// is appended: spaced timesteps with interpolated sigmas, or Karras / Lu sigmas with rounded
    /// timesteps.</summary>
    private protected (long[] Timesteps, double[] Sigmas) SpacedSchedule(int n, int lastTimestep, bool karras, bool lu)
    {
        string spacing = TimestepSpacing.Read(Config, Name);
        var timesteps = TimestepSpacing.Multistep(spacing, Training.Length, lastTimestep, n, Config.GetInt64("steps_offset"));
        var trainSigmas = Training.TrainingSigmas();
        if (karras || lu)
        {
            var logSigmas = SigmaMath.LogSigmas(trainSigmas);
            double[] sigmas;
            if (karras)
            {
                // in_sigmas = flip(sigmas): [-1] is the smallest, [0] the largest training sigma.
                double sigmaMin = Config.ContainsKey("sigma_min") && !Config.IsNull("sigma_min") ? Config.GetDouble("sigma_min") : trainSigmas[0];
                double sigmaMax = Config.ContainsKey("sigma_max") && !Config.IsNull("sigma_max") ? Config.GetDouble("sigma_max") : trainSigmas[^1];
                sigmas = SigmaMath.Karras(sigmaMin, sigmaMax, n);
            }
            else
            {
                sigmas = SigmaMath.LuLambdas(logSigmas[0], logSigmas[^1], n).Select(Math.Exp).ToArray();
            }
            var rounded = sigmas.Select(s => (long)NumpyMath.Round(SigmaMath.SigmaToT(s, logSigmas))).ToArray();
            return (rounded, sigmas);
        }
        return (timesteps, NumpyMath.InterpOverIndex(Array.ConvertAll(timesteps, t => (double)t), trainSigmas));
    }

    private protected void SaveHistory(Dictionary<string, long> integers, Dictionary<string, float[]> tensors)
    {
        integers["lower_order_nums"] = LowerOrderNums;
        for (int i = 0; i < ModelOutputs.Length; i++)
            if (ModelOutputs[i] is { } m) tensors[$"model_outputs.{i}"] = (float[])m.Clone();
    }

    private protected void RestoreHistory(IReadOnlyDictionary<string, long> integers, IReadOnlyDictionary<string, float[]> tensors)
    {
        LowerOrderNums = integers.TryGetValue("lower_order_nums", out long l) ? checked((int)l) : 0;
        for (int i = 0; i < ModelOutputs.Length; i++)
            ModelOutputs[i] = tensors.TryGetValue($"model_outputs.{i}", out var m) ? (float[])m.Clone() : null;
    }
}
