using Diffusion.Schedulers.Internal;

namespace Diffusion.Schedulers;

/// <summary>
/// diffusers <c>UniPCMultistepScheduler</c> (Zhao et al. 2023, "UniPC"): a unified predictor (UniP)
/// and corrector (UniC) of any order with the B(h) variants bh1/bh2; the corrector reuses the model
/// output of the next step, so it costs no extra evaluation.
/// </summary>
internal sealed class UniPcMultistepScheduler : MultistepSchedulerBase
{
    internal const string ClassName = "UniPCMultistepScheduler";

    internal static readonly OptionSpec[] Options =
    [
        .. OptionSpec.BetaSchedule(),
        OptionSpec.Int("solver_order", 2),
        OptionSpec.Str("prediction_type", "epsilon"),
        OptionSpec.Bool("thresholding", false),
        OptionSpec.Num("dynamic_thresholding_ratio", 0.995),
        OptionSpec.Num("sample_max_value", 1.0),
        OptionSpec.Bool("predict_x0", true),
        OptionSpec.Str("solver_type", "bh2"),
        OptionSpec.Bool("lower_order_final", true),
        new("disable_corrector", OptionKind.IntegerList, "[]"),
        new("solver_p", OptionKind.Null, "null"),
        OptionSpec.Bool("use_karras_sigmas", false),
        OptionSpec.Str("timestep_spacing", "linspace"),
        OptionSpec.Int("steps_offset", 0),
    ];

    private readonly int _order;
    private readonly PredictionType _prediction;
    private readonly bool _predictX0;
    private readonly bool _bh2;
    private readonly bool _lowerOrderFinal;
    private readonly HashSet<long> _disableCorrector;

    private double?[] _timestepList = [];
    private float[]? _lastSample;
    private int _thisOrder;

    /// <summary>Creates the scheduler from a configuration (missing keys take the class defaults).</summary>
    /// <exception cref="SchedulerConfigurationException">An option is malformed or not supported
    /// (thresholding, a solver_p scheduler).</exception>
    public UniPcMultistepScheduler(SchedulerConfig config)
        : base(ClassName, Options, config)
    {
        if (Config.GetString("solver_type") is "midpoint" or "heun" or "logrho") Config = Config.With("solver_type", "bh2");
        _bh2 = Validate.OneOf(Config, "solver_type", Name, "bh1", "bh2") == "bh2";
        long order = Config.GetInt64("solver_order");
        if (order < 1)
            throw new SchedulerConfigurationException("solver_order", order.ToString(), $"{Name}: solver_order={order} must be at least 1");
        _order = (int)order;
        _prediction = PredictionTypes.Read(Config, Name, "epsilon", "sample", "v_prediction");
        Validate.NotSet(Config, "thresholding", Name, "dynamic thresholding is not implemented; it is unsuitable for latent diffusion");
        Validate.IsNull(Config, "solver_p", Name, "a separate predictor scheduler is not implemented");
        _predictX0 = Config.GetBoolean("predict_x0");
        _lowerOrderFinal = Config.GetBoolean("lower_order_final");
        _disableCorrector = [.. Config.GetInt64Array("disable_corrector")];
        TimestepSpacing.Read(Config, Name);
        Training = TrainingSchedule.Create(Config, Name, ["linear", "scaled_linear", "squaredcos_cap_v2"],
            rescaleZeroSnr: false, fixLastAlphaCumprod: false);
        SigmaValues = Training.TrainingSigmas();
        TimestepValues = NumpyMath.Linspace(0, Training.Length - 1, Training.Length).Reverse().Select(t => (double)(float)t).ToArray();
        ModelOutputs = new float[]?[_order];
        _timestepList = new double?[_order];
    }

    private protected override void SetTimestepsCore(int numInferenceSteps)
    {
        // diffusers UniPCMultistepScheduler.set_timesteps
        bool karras = Config.GetBoolean("use_karras_sigmas");
        var (timesteps, sigmas) = SpacedSchedule(numInferenceSteps, Training.Length, karras, lu: false);
        // The final sigma: the last Karras sigma repeated, else sigma at t = 0 (not 0: UniPC stops at sigma_min).
        float sigmaLast = karras
            ? (float)sigmas[^1]
            : MathF.Sqrt((1f - Training.AlphasCumprod[0]) / Training.AlphasCumprod[0]);
        SigmaValues = [.. sigmas.Select(s => (float)s), sigmaLast];
        TimestepValues = Array.ConvertAll(timesteps, t => (double)t);
        ModelOutputs = new float[]?[_order];
        _timestepList = new double?[_order];
        LowerOrderNums = 0;
        _lastSample = null;
        _thisOrder = 0;
        StepIndex = null;
        BeginIndex = null;
    }

    private protected override void StepCore(ReadOnlySpan<float> modelOutput, double timestep, ReadOnlySpan<float> sample,
        Span<float> prevSample, ReadOnlySpan<long> shape, INoiseSource? noise, StepOptions options)
    {
        // diffusers UniPCMultistepScheduler.step
        StepIndex ??= InitialStepIndex(timestep);
        int index = StepIndex.Value;
        bool useCorrector = index > 0 && !_disableCorrector.Contains(index - 1) && _lastSample is not null;
        var converted = ConvertModelOutput(modelOutput, sample, index);

        // 1. UniC: correct the current sample with the fresh model output.
        float[] current = useCorrector ? CorrectorUpdate(index, converted, _lastSample!, sample, _thisOrder) : sample.ToArray();

        // 2. history
        PushModelOutput(converted);
        for (int i = 0; i < _timestepList.Length - 1; i++) _timestepList[i] = _timestepList[i + 1];
        _timestepList[^1] = timestep;

        // 3. UniP: predict the next sample, warming up the order and lowering it at the end.
        int thisOrder = _lowerOrderFinal ? Math.Min(_order, TimestepValues.Length - index) : _order;
        _thisOrder = Math.Min(thisOrder, LowerOrderNums + 1);
        _lastSample = current;
        PredictorUpdate(index, current, _thisOrder, prevSample);

        if (LowerOrderNums < _order) LowerOrderNums++;
        StepIndex = index + 1;
    }

    /// <summary>diffusers <c>convert_model_output</c>: x0 (predict_x0) or epsilon.</summary>
    private float[] ConvertModelOutput(ReadOnlySpan<float> modelOutput, ReadOnlySpan<float> sample, int index)
    {
        var (alphaT, sigmaT) = AlphaSigma(SigmaValues[index]);
        var result = new float[modelOutput.Length];
        for (int i = 0; i < result.Length; i++)
        {
            float m = modelOutput[i], x = sample[i];
            result[i] = (_predictX0, _prediction) switch
            {
                (true, PredictionType.Epsilon) => (x - sigmaT * m) / alphaT,
                (true, PredictionType.VPrediction) => alphaT * x - sigmaT * m,
                (false, PredictionType.Sample) => (x - alphaT * m) / sigmaT,
                (false, PredictionType.VPrediction) => alphaT * m + sigmaT * x,
                _ => m,
            };
        }
        return result;
    }

    /// <summary>The step quantities shared by UniP and UniC between sigma index <paramref name="s0"/> and
    /// <paramref name="t"/>: alpha/sigma, h, h*phi_1(h), B(h) and the right-hand side b of the order
    /// conditions (Algorithm 1/2 of the paper, float32 like diffusers).</summary>
    private Coefficients Prepare(int t, int s0, int order, Func<int, int> historySigmaIndex)
    {
        var (alphaT, sigmaT) = AlphaSigma(SigmaValues[t]);
        var (alphaS0, sigmaS0) = AlphaSigma(SigmaValues[s0]);
        float lambdaS0 = Lambda(alphaS0, sigmaS0);
        float h = Lambda(alphaT, sigmaT) - lambdaS0;

        // r_k = (lambda_{s_k} - lambda_{s0}) / h for the earlier outputs, then 1.
        var rks = new float[order];
        for (int i = 1; i < order; i++)
        {
            var (alphaSi, sigmaSi) = AlphaSigma(SigmaValues[historySigmaIndex(i)]);
            rks[i - 1] = (Lambda(alphaSi, sigmaSi) - lambdaS0) / h;
        }
        rks[order - 1] = 1f;

        float hh = _predictX0 ? -h : h;
        float hPhi1 = SleefMath.Expm1(hh); // h * phi_1(h) = e^h - 1
        float hPhiK = hPhi1 / hh - 1f;
        float bH = _bh2 ? SleefMath.Expm1(hh) : hh;
        var r = new float[order, order];
        var b = new float[order];
        long factorial = 1;
        for (int i = 1; i <= order; i++)
        {
            for (int k = 0; k < order; k++) r[i - 1, k] = Power(rks[k], i - 1);
            b[i - 1] = hPhiK * factorial / bH;
            factorial *= i + 1;
            hPhiK = hPhiK / hh - (float)(1.0 / factorial);
        }
        return new Coefficients(alphaT, sigmaT, alphaS0, sigmaS0, hPhi1, bH, rks, r, b);
    }

    /// <summary>diffusers <c>multistep_uni_p_bh_update</c>.</summary>
    private void PredictorUpdate(int index, float[] x, int order, Span<float> prev)
    {
        var c = Prepare(index + 1, index, order, i => index - i);
        var m0 = ModelOutputs[^1]!;
        int k = order - 1;
        var d1s = new float[k][];
        for (int i = 1; i < order; i++) d1s[i - 1] = Difference(ModelOutputs[^(i + 1)]!, m0, c.Rks[i - 1]);
        float[] rhos = k == 0 ? [] : order == 2 ? [0.5f] : LinearSolver.Solve(Leading(c.R, k), c.B[..k]);
        var (scaleX, scaleM, scaleRes) = Combination(c);
        for (int i = 0; i < prev.Length; i++)
        {
            float xt = scaleX * x[i] - scaleM * m0[i];
            prev[i] = k == 0 ? xt : xt - scaleRes * Einsum(rhos, d1s, i);
        }
    }

    /// <summary>diffusers <c>multistep_uni_c_bh_update</c>.</summary>
    private float[] CorrectorUpdate(int index, float[] modelT, float[] lastSample, ReadOnlySpan<float> thisSample, int order)
    {
        var c = Prepare(index, index - 1, order, i => index - (i + 1));
        var m0 = ModelOutputs[^1]!;
        int k = order - 1;
        var d1s = new float[k][];
        for (int i = 1; i < order; i++) d1s[i - 1] = Difference(ModelOutputs[^(i + 1)]!, m0, c.Rks[i - 1]);
        float[] rhos = order == 1 ? [0.5f] : LinearSolver.Solve(c.R, c.B);
        var (scaleX, scaleM, scaleRes) = Combination(c);
        var result = new float[thisSample.Length];
        for (int i = 0; i < result.Length; i++)
        {
            float xt = scaleX * lastSample[i] - scaleM * m0[i];
            float d1t = modelT[i] - m0[i];
            float correction = rhos[^1] * d1t;
            if (k > 0) correction = Einsum(rhos, d1s, i) + correction;
            result[i] = xt - scaleRes * correction;
        }
        return result;
    }

    /// <summary>x_t = (sigma_t / sigma_s0) x - (alpha_t h phi_1) m0 - (alpha_t B(h)) res for x0 prediction,
    /// (alpha_t / alpha_s0) x - (sigma_t h phi_1) m0 - (sigma_t B(h)) res for noise prediction.</summary>
    private (float X, float M, float Res) Combination(Coefficients c) => _predictX0
        ? (c.SigmaT / c.SigmaS0, c.AlphaT * c.HPhi1, c.AlphaT * c.BH)
        : (c.AlphaT / c.AlphaS0, c.SigmaT * c.HPhi1, c.SigmaT * c.BH);

    /// <summary><c>einsum("k,bkc...->bc...", rhos[:K], D1s)</c> at one element.</summary>
    private static float Einsum(float[] rhos, float[][] d1s, int i)
    {
        float sum = rhos[0] * d1s[0][i];
        for (int k = 1; k < d1s.Length; k++) sum += rhos[k] * d1s[k][i];
        return sum;
    }

    /// <summary>D1 = (m_i - m0) / r_k.</summary>
    private static float[] Difference(float[] mi, float[] m0, float rk)
    {
        var d = new float[m0.Length];
        for (int i = 0; i < d.Length; i++) d[i] = (mi[i] - m0[i]) / rk;
        return d;
    }

    /// <summary><c>torch.pow(rks, p)</c>: torch special-cases the small integer powers as products.</summary>
    private static float Power(float x, int p) => p switch
    {
        0 => 1f,
        1 => x,
        2 => x * x,
        3 => x * x * x,
        _ => MathF.Pow(x, p),
    };

    private static float[,] Leading(float[,] r, int k)
    {
        var m = new float[k, k];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
                m[i, j] = r[i, j];
        return m;
    }

    private protected override void SaveRunState(Dictionary<string, long> integers, Dictionary<string, double> scalars,
        Dictionary<string, float[]> tensors)
    {
        SaveHistory(integers, tensors);
        integers["this_order"] = _thisOrder;
        for (int i = 0; i < _timestepList.Length; i++)
            if (_timestepList[i] is double t) scalars[$"timestep_list.{i}"] = t;
        if (_lastSample is not null) tensors["last_sample"] = (float[])_lastSample.Clone();
    }

    private protected override void RestoreRunState(IReadOnlyDictionary<string, long> integers,
        IReadOnlyDictionary<string, double> scalars, IReadOnlyDictionary<string, float[]> tensors)
    {
        RestoreHistory(integers, tensors);
        _thisOrder = integers.TryGetValue("this_order", out long o) ? checked((int)o) : 0;
        for (int i = 0; i < _timestepList.Length; i++)
            _timestepList[i] = scalars.TryGetValue($"timestep_list.{i}", out double t) ? t : null;
        _lastSample = tensors.TryGetValue("last_sample", out var s) ? (float[])s.Clone() : null;
    }

    private sealed record Coefficients(float AlphaT, float SigmaT, float AlphaS0, float SigmaS0, float HPhi1, float BH,
        float[] Rks, float[,] R, float[] B);
}
