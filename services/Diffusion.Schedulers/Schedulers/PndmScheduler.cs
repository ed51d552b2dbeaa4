using Diffusion.Schedulers.Internal;

namespace Diffusion.Schedulers;

/// <summary>
/// diffusers <c>PNDMScheduler</c> (Liu et al. 2022, "Pseudo Numerical Methods for Diffusion Models"):
/// Runge-Kutta warm-up steps (PRK) then linear multistep (PLMS), or PLMS only with
/// <c>skip_prk_steps</c> as Stable Diffusion configures it (11 timesteps for 10 steps: the second is
/// repeated for the warm-up).
/// </summary>
internal sealed class PndmScheduler : SchedulerBase
{
    internal const string ClassName = "PNDMScheduler";

    /// <summary>diffusers' <c>pndm_order</c>: PRK warm-up length in inference steps.</summary>
    private const int PndmOrder = 4;

    // Python's 1 / 6 and 1 / 3 (float64) meet a float32 tensor, so torch rounds them to float32.
    private const float OneSixth = (float)(1.0 / 6);
    private const float OneThird = (float)(1.0 / 3);

    internal static readonly OptionSpec[] Options =
    [
        .. OptionSpec.BetaSchedule(),
        OptionSpec.Bool("skip_prk_steps", false),
        OptionSpec.Bool("set_alpha_to_one", false),
        OptionSpec.Str("prediction_type", "epsilon"),
        OptionSpec.Str("timestep_spacing", "leading"),
        OptionSpec.Int("steps_offset", 0),
    ];

    private readonly PredictionType _prediction;
    private readonly string _spacing;
    private readonly bool _skipPrk;
    private readonly float _finalAlphaCumprod;

    private long[] _prkTimesteps = [];
    private int _counter;
    private readonly List<float[]> _ets = [];
    private float[]? _curSample;
    private float[]? _curModelOutput; // null stands for diffusers' integer 0

    /// <summary>Creates the scheduler from a configuration (missing keys take the class defaults).</summary>
    /// <exception cref="SchedulerConfigurationException">An option is malformed or not supported
    /// (prediction_type "sample" is rejected by diffusers' PNDM).</exception>
    public PndmScheduler(SchedulerConfig config)
        : base(ClassName, Options, config)
    {
        _prediction = PredictionTypes.Read(Config, Name, "epsilon", "v_prediction");
        _spacing = TimestepSpacing.Read(Config, Name);
        _skipPrk = Config.GetBoolean("skip_prk_steps");
        Training = TrainingSchedule.Create(Config, Name, ["linear", "scaled_linear", "squaredcos_cap_v2"],
            rescaleZeroSnr: false, fixLastAlphaCumprod: false);
        _finalAlphaCumprod = Config.GetBoolean("set_alpha_to_one") ? 1f : Training.AlphasCumprod[0];
    }

    /// <inheritdoc />
    public override bool IntegerTimesteps => true;

    /// <inheritdoc />
    public override double InitNoiseSigma => 1.0;

    private int StepRatio => Training.Length / NumInferenceStepsOrThrow;

    private int NumInferenceStepsOrThrow => NumInferenceSteps ?? throw new InvalidOperationException($"{Name}: call SetTimesteps first");

    private protected override void SetTimestepsCore(int numInferenceSteps)
    {
        // diffusers PNDMScheduler.set_timesteps
        int n = numInferenceSteps;
        var ascending = TimestepSpacing.PndmAscending(_spacing, Training.Length, n, Config.GetInt64("steps_offset"));
        long[] plms;
        if (_skipPrk)
        {
            // _timesteps[:-1], _timesteps[-2:-1], _timesteps[-1:] reversed: the second-highest repeats.
            _prkTimesteps = [];
            plms = [.. ascending[..^1], .. ascending.Length >= 2 ? ascending[^2..^1] : [], ascending[^1]];
            Array.Reverse(plms);
        }
        else
        {
            if (ascending.Length < PndmOrder)
                throw new ArgumentOutOfRangeException(nameof(numInferenceSteps), n, $"{Name}: PRK warm-up needs at least {PndmOrder} steps");
            long half = Training.Length / n / 2;
            var warm = new List<long>();
            foreach (long t in ascending[^PndmOrder..]) { warm.Add(t); warm.Add(t + half); }
            // prk_timesteps[:-1].repeat(2)[1:-1][::-1]
            var repeated = warm.Take(warm.Count - 1).SelectMany(t => new[] { t, t }).ToList();
            _prkTimesteps = repeated.Skip(1).Take(repeated.Count - 2).Reverse().ToArray();
            plms = ascending[..^3].Reverse().ToArray();
        }
        TimestepValues = [.. _prkTimesteps.Select(t => (double)t), .. plms.Select(t => (double)t)];
        _ets.Clear();
        _counter = 0;
        _curModelOutput = null;
    }

    private protected override void StepCore(ReadOnlySpan<float> modelOutput, double timestep, ReadOnlySpan<float> sample,
        Span<float> prevSample, ReadOnlySpan<long> shape, INoiseSource? noise, StepOptions options)
    {
        if (_counter < _prkTimesteps.Length && !_skipPrk)
            StepPrk(modelOutput, TrainIndex(timestep), sample, prevSample);
        else
            StepPlms(modelOutput, TrainIndex(timestep), sample, prevSample);
    }

    /// <summary>diffusers <c>PNDMScheduler.step_prk</c>: 4th-order Runge-Kutta over 4 calls per step.</summary>
    private void StepPrk(ReadOnlySpan<float> modelOutput, int timestep, ReadOnlySpan<float> sample, Span<float> prevSample)
    {
        int diffToPrev = _counter % 2 != 0 ? 0 : StepRatio / 2;
        int prevTimestep = timestep - diffToPrev;
        timestep = (int)_prkTimesteps[_counter / 4 * 4];
        int n = modelOutput.Length;
        ReadOnlySpan<float> effectiveOutput = modelOutput;
        float[]? combined = null;
        switch (_counter % 4)
        {
            case 0:
                _curModelOutput = Accumulate(_curModelOutput, OneSixth, modelOutput);
                _ets.Add(modelOutput.ToArray());
                _curSample = sample.ToArray();
                break;
            case 1:
            case 2:
                _curModelOutput = Accumulate(_curModelOutput, OneThird, modelOutput);
                break;
            default:
                combined = new float[n];
                for (int i = 0; i < n; i++) combined[i] = (_curModelOutput?[i] ?? 0f) + OneSixth * modelOutput[i];
                effectiveOutput = combined;
                _curModelOutput = null;
                break;
        }
        ReadOnlySpan<float> curSample = _curSample is not null ? _curSample : sample;
        PrevSample(curSample, timestep, prevTimestep, effectiveOutput, prevSample);
        _counter++;
    }

    /// <summary>diffusers <c>PNDMScheduler.step_plms</c>: Adams-Bashforth combinations of the last
    /// 1-4 model outputs (eq. 12 of the PNDM paper), with the warm-up special case at counter 1.</summary>
    private void StepPlms(ReadOnlySpan<float> modelOutput, int timestep, ReadOnlySpan<float> sample, Span<float> prevSample)
    {
        if (!_skipPrk && _ets.Count < 3)
            throw new InvalidOperationException($"{Name} can only run PLMS after 12 PRK iterations");
        int prevTimestep = timestep - StepRatio;
        if (_counter != 1)
        {
            if (_ets.Count > 3) _ets.RemoveRange(0, _ets.Count - 3);
            _ets.Add(modelOutput.ToArray());
        }
        else
        {
            prevTimestep = timestep;
            timestep += StepRatio;
        }

        int n = modelOutput.Length;
        var output = new float[n];
        ReadOnlySpan<float> x = sample;
        if (_ets.Count == 1 && _counter == 0)
        {
            modelOutput.CopyTo(output);
            _curSample = sample.ToArray();
        }
        else if (_ets.Count == 1 && _counter == 1)
        {
            var e1 = _ets[^1];
            for (int i = 0; i < n; i++) output[i] = (modelOutput[i] + e1[i]) / 2;
            x = _curSample ?? throw new InvalidOperationException($"{Name}: missing warm-up sample");
            _curSample = null;
        }
        else if (_ets.Count == 2)
        {
            float[] e1 = _ets[^1], e2 = _ets[^2];
            for (int i = 0; i < n; i++) output[i] = (3 * e1[i] - e2[i]) / 2;
        }
        else if (_ets.Count == 3)
        {
            float[] e1 = _ets[^1], e2 = _ets[^2], e3 = _ets[^3];
            for (int i = 0; i < n; i++) output[i] = (23 * e1[i] - 16 * e2[i] + 5 * e3[i]) / 12;
        }
        else
        {
            float[] e1 = _ets[^1], e2 = _ets[^2], e3 = _ets[^3], e4 = _ets[^4];
            const float oneTwentyFourth = (float)(1.0 / 24);
            for (int i = 0; i < n; i++)
                output[i] = oneTwentyFourth * (55 * e1[i] - 59 * e2[i] + 37 * e3[i] - 9 * e4[i]);
        }
        PrevSample(x, timestep, prevTimestep, output, prevSample);
        _counter++;
    }

    /// <summary>diffusers <c>PNDMScheduler._get_prev_sample</c>, eq. (9) of the PNDM paper.</summary>
    private void PrevSample(ReadOnlySpan<float> sample, int timestep, int prevTimestep, ReadOnlySpan<float> modelOutput, Span<float> prevSample)
    {
        var acp = Training.AlphasCumprod;
        float alphaProdT = acp[timestep];
        float alphaProdTPrev = prevTimestep >= 0 ? acp[prevTimestep] : _finalAlphaCumprod;
        float betaProdT = 1f - alphaProdT;
        float betaProdTPrev = 1f - alphaProdTPrev;
        float sqrtAlpha = MathF.Sqrt(alphaProdT), sqrtBeta = MathF.Sqrt(betaProdT);
        float sampleCoeff = MathF.Sqrt(alphaProdTPrev / alphaProdT);
        float denominator = alphaProdT * MathF.Sqrt(betaProdTPrev) + MathF.Sqrt(alphaProdT * betaProdT * alphaProdTPrev);
        float difference = alphaProdTPrev - alphaProdT;
        for (int i = 0; i < sample.Length; i++)
        {
            float x = sample[i], m = modelOutput[i];
            if (_prediction == PredictionType.VPrediction) m = sqrtAlpha * m + sqrtBeta * x;
            prevSample[i] = sampleCoeff * x - difference * m / denominator;
        }
    }

    private static float[] Accumulate(float[]? accumulator, float weight, ReadOnlySpan<float> x)
    {
        var result = new float[x.Length];
        for (int i = 0; i < x.Length; i++) result[i] = (accumulator?[i] ?? 0f) + weight * x[i];
        return result;
    }

    private protected override (float A, float B)[] AddNoiseFactors(ReadOnlySpan<double> timesteps) =>
        AlphaNoising.Factors(Training.AlphasCumprod, timesteps, Name);

    private protected override void SaveRunState(Dictionary<string, long> integers, Dictionary<string, double> scalars,
        Dictionary<string, float[]> tensors)
    {
        integers["counter"] = _counter;
        for (int i = 0; i < _ets.Count; i++) tensors[$"ets.{i}"] = (float[])_ets[i].Clone();
        if (_curSample is not null) tensors["cur_sample"] = (float[])_curSample.Clone();
        if (_curModelOutput is not null) tensors["cur_model_output"] = (float[])_curModelOutput.Clone();
    }

    private protected override void RestoreRunState(IReadOnlyDictionary<string, long> integers,
        IReadOnlyDictionary<string, double> scalars, IReadOnlyDictionary<string, float[]> tensors)
    {
        _counter = integers.TryGetValue("counter", out long c) ? checked((int)c) : 0;
        _ets.Clear();
        for (int i = 0; tensors.TryGetValue($"ets.{i}", out var e); i++) _ets.Add((float[])e.Clone());
        _curSample = tensors.TryGetValue("cur_sample", out var s) ? (float[])s.Clone() : null;
        _curModelOutput = tensors.TryGetValue("cur_model_output", out var m) ? (float[])m.Clone() : null;
    }
}
