using Diffusion.Schedulers.Internal;

namespace Diffusion.Schedulers;

/// <summary>
/// diffusers <c>DPMSolverMultistepScheduler</c>: DPM-Solver (Lu et al. 2022) and DPM-Solver++
/// (Lu et al. 2022b) multistep solvers of orders 1-3, and their SDE variants ("DPM++ 2M SDE"), with
/// Karras or Lu sigma schedules and diffusers' lower-order final steps.
/// </summary>
internal sealed class DpmSolverMultistepScheduler : MultistepSchedulerBase
{
    internal const string ClassName = "DPMSolverMultistepScheduler";

    internal static readonly OptionSpec[] Options =
    [
        .. OptionSpec.BetaSchedule(),
        OptionSpec.Int("solver_order", 2),
        OptionSpec.Str("prediction_type", "epsilon"),
        OptionSpec.Bool("thresholding", false),
        OptionSpec.Num("dynamic_thresholding_ratio", 0.995),
        OptionSpec.Num("sample_max_value", 1.0),
        OptionSpec.Str("algorithm_type", "dpmsolver++"),
        OptionSpec.Str("solver_type", "midpoint"),
        OptionSpec.Bool("lower_order_final", true),
        OptionSpec.Bool("euler_at_final", false),
        OptionSpec.Bool("use_karras_sigmas", false),
        OptionSpec.Bool("use_lu_lambdas", false),
        OptionSpec.Str("final_sigmas_type", "zero"),
        new("lambda_min_clipped", OptionKind.Number, "\"-inf\""),
        new("variance_type", OptionKind.NullableString, "null"),
        OptionSpec.Str("timestep_spacing", "linspace"),
        OptionSpec.Int("steps_offset", 0),
        OptionSpec.Bool("rescale_betas_zero_snr", false),
    ];

    private enum Algorithm { DpmSolver, DpmSolverPlusPlus, SdeDpmSolver, SdeDpmSolverPlusPlus }

    private readonly Algorithm _algorithm;
    private readonly bool _heun;
    private readonly int _order;
    private readonly PredictionType _prediction;
    private readonly bool _lowerOrderFinal;
    private readonly bool _eulerAtFinal;
    private readonly bool _finalSigmaZero;
    private readonly float[] _lambdaT;

    /// <summary>Creates the scheduler from a configuration (missing keys take the class defaults).</summary>
    /// <exception cref="SchedulerConfigurationException">An option is malformed or not supported
    /// (thresholding, learned variance, an SDE variant with solver_order 3, ...).</exception>
    public DpmSolverMultistepScheduler(SchedulerConfig config)
        : base(ClassName, Options, config)
    {
        // diffusers maps the algorithm/solver names of sibling schedulers and records the choice.
        if (Config.GetString("algorithm_type") == "deis") Config = Config.With("algorithm_type", "dpmsolver++");
        if (Config.GetString("solver_type") is "logrho" or "bh1" or "bh2") Config = Config.With("solver_type", "midpoint");
        _algorithm = Validate.OneOf(Config, "algorithm_type", Name, "dpmsolver++", "sde-dpmsolver++", "dpmsolver", "sde-dpmsolver") switch
        {
            "dpmsolver" => Algorithm.DpmSolver,
            "sde-dpmsolver" => Algorithm.SdeDpmSolver,
            "sde-dpmsolver++" => Algorithm.SdeDpmSolverPlusPlus,
            _ => Algorithm.DpmSolverPlusPlus,
        };
        _heun = Validate.OneOf(Config, "solver_type", Name, "midpoint", "heun") == "heun";
        string finalSigmas = Validate.OneOf(Config, "final_sigmas_type", Name, "zero", "sigma_min");
        if (_algorithm is Algorithm.DpmSolver or Algorithm.SdeDpmSolver && finalSigmas == "zero")
            throw new SchedulerConfigurationException("final_sigmas_type", finalSigmas,
                $"{Name}: final_sigmas_type=zero is not supported for algorithm_type={Config.GetString("algorithm_type")}; choose sigma_min");
        _finalSigmaZero = finalSigmas == "zero";
        long order = Config.GetInt64("solver_order");
        if (order < 1)
            throw new SchedulerConfigurationException("solver_order", order.ToString(), $"{Name}: solver_order={order} must be at least 1");
        if (order >= 3 && _algorithm is Algorithm.SdeDpmSolver or Algorithm.SdeDpmSolverPlusPlus)
            throw new SchedulerConfigurationException("solver_order", order.ToString(),
                $"{Name}: solver_order={order} is not supported with the SDE algorithm types (diffusers 0.27.2 has no third-order SDE update)");
        _order = (int)order;
        _prediction = PredictionTypes.Read(Config, Name, "epsilon", "sample", "v_prediction");
        Validate.NotSet(Config, "thresholding", Name, "dynamic thresholding is not implemented; it is unsuitable for latent diffusion");
        Validate.IsNull(Config, "variance_type", Name, "learned variance slices the model output to 3 channels, meant for pixel-space models");
        _lowerOrderFinal = Config.GetBoolean("lower_order_final");
        _eulerAtFinal = Config.GetBoolean("euler_at_final");
        Config.GetDouble("lambda_min_clipped");
        TimestepSpacing.Read(Config, Name);
        Training = TrainingSchedule.Create(Config, Name, ["linear", "scaled_linear", "squaredcos_cap_v2"],
            Config.GetBoolean("rescale_betas_zero_snr"), fixLastAlphaCumprod: true);

        // alpha_t = sqrt(acp), sigma_t = sqrt(1 - acp), lambda_t = log(alpha_t) - log(sigma_t) (float32)
        _lambdaT = Training.AlphasCumprod.Select(a => Lambda(MathF.Sqrt(a), MathF.Sqrt(1f - a))).ToArray();
        SigmaValues = Training.TrainingSigmas();
        TimestepValues = NumpyMath.Linspace(0, Training.Length - 1, Training.Length).Reverse().Select(t => (double)(float)t).ToArray();
        ModelOutputs = new float[]?[_order];
    }

    private protected override void SetTimestepsCore(int numInferenceSteps)
    {
        // diffusers DPMSolverMultistepScheduler.set_timesteps
        // Clip the high-SNR end: searchsorted(flip(lambda_t), lambda_min_clipped) (left side).
        float lambdaMin = (float)Config.GetDouble("lambda_min_clipped");
        int clipped = 0;
        for (int j = 0; j < _lambdaT.Length; j++)
            if (_lambdaT[_lambdaT.Length - 1 - j] < lambdaMin) clipped = j + 1;
            else break;
        int lastTimestep = Training.Length - clipped;

        var (timesteps, sigmas) = SpacedSchedule(numInferenceSteps, lastTimestep,
            Config.GetBoolean("use_karras_sigmas"), Config.GetBoolean("use_lu_lambdas"));
        float sigmaLast = _finalSigmaZero
            ? 0f
            : MathF.Sqrt((1f - Training.AlphasCumprod[0]) / Training.AlphasCumprod[0]);
        SigmaValues = [.. sigmas.Select(s => (float)s), sigmaLast];
        TimestepValues = Array.ConvertAll(timesteps, t => (double)t);
        ModelOutputs = new float[]?[_order];
        LowerOrderNums = 0;
        StepIndex = null;
        BeginIndex = null;
    }

    private protected override void StepCore(ReadOnlySpan<float> modelOutput, double timestep, ReadOnlySpan<float> sample,
        Span<float> prevSample, ReadOnlySpan<long> shape, INoiseSource? noise, StepOptions options)
    {
        // diffusers DPMSolverMultistepScheduler.step
        StepIndex ??= InitialStepIndex(timestep);
        int index = StepIndex.Value;
        int count = TimestepValues.Length;
        bool few = _lowerOrderFinal && count < 15;
        bool lowerOrderFinal = index == count - 1 && (_eulerAtFinal || few || _finalSigmaZero);
        bool lowerOrderSecond = index == count - 2 && few;

        PushModelOutput(ConvertModelOutput(modelOutput, sample, index));
        float[]? eps = _algorithm is Algorithm.SdeDpmSolver or Algorithm.SdeDpmSolverPlusPlus
            ? DrawNoise(noise, shape, sample.Length, "the SDE variants draw every step")
            : null;

        if (_order == 1 || LowerOrderNums < 1 || lowerOrderFinal)
            FirstOrderUpdate(index, sample, eps, prevSample);
        else if (_order == 2 || LowerOrderNums < 2 || lowerOrderSecond)
            SecondOrderUpdate(index, sample, eps, prevSample);
        else
            ThirdOrderUpdate(index, sample, prevSample);

        if (LowerOrderNums < _order) LowerOrderNums++;
        StepIndex = index + 1;
    }

    /// <summary>diffusers <c>convert_model_output</c>: x0 for the ++ variants, epsilon otherwise.</summary>
    private float[] ConvertModelOutput(ReadOnlySpan<float> modelOutput, ReadOnlySpan<float> sample, int index)
    {
        var (alphaT, sigmaT) = AlphaSigma(SigmaValues[index]);
        bool predictX0 = _algorithm is Algorithm.DpmSolverPlusPlus or Algorithm.SdeDpmSolverPlusPlus;
        var result = new float[modelOutput.Length];
        for (int i = 0; i < result.Length; i++)
        {
            float m = modelOutput[i], x = sample[i];
            result[i] = (predictX0, _prediction) switch
            {
                (true, PredictionType.Epsilon) => (x - sigmaT * m) / alphaT,
                (true, PredictionType.VPrediction) => alphaT * x - sigmaT * m,
                (false, PredictionType.Sample) => (x - alphaT * m) / sigmaT,
                (false, PredictionType.VPrediction) => alphaT * m + sigmaT * x,
                _ => m, // x0 given with predict_x0, epsilon given without
            };
        }
        return result;
    }

    /// <summary>diffusers <c>dpm_solver_first_order_update</c> (DDIM-like; eq. 5 of DPM-Solver++).</summary>
    private void FirstOrderUpdate(int index, ReadOnlySpan<float> sample, float[]? noise, Span<float> prev)
    {
        var (alphaT, sigmaT) = AlphaSigma(SigmaValues[index + 1]);
        var (alphaS, sigmaS) = AlphaSigma(SigmaValues[index]);
        float h = Lambda(alphaT, sigmaT) - Lambda(alphaS, sigmaS);
        var m = ModelOutputs[^1]!;
        // x_t = A * sample + B * m (+ N * noise); a subtraction is the addition of the negated product.
        float a, b, n = 0f;
        switch (_algorithm)
        {
            case Algorithm.DpmSolverPlusPlus:
                a = sigmaT / sigmaS;
                b = -(alphaT * (SleefMath.Exp(-h) - 1f));
                break;
            case Algorithm.DpmSolver:
                a = alphaT / alphaS;
                b = -(sigmaT * (SleefMath.Exp(h) - 1f));
                break;
            case Algorithm.SdeDpmSolverPlusPlus:
                a = sigmaT / sigmaS * SleefMath.Exp(-h);
                b = alphaT * (1f - SleefMath.Exp(-2f * h));
                n = sigmaT * MathF.Sqrt(1f - SleefMath.Exp(-2f * h));
                break;
            default:
                a = alphaT / alphaS;
                b = -(2f * (sigmaT * (SleefMath.Exp(h) - 1f)));
                n = sigmaT * MathF.Sqrt(SleefMath.Exp(2f * h) - 1f);
                break;
        }
        for (int i = 0; i < prev.Length; i++)
        {
            float x = a * sample[i] + b * m[i];
            prev[i] = noise is null ? x : x + n * noise[i];
        }
    }

    /// <summary>diffusers <c>multistep_dpm_solver_second_order_update</c> (DPM-Solver++(2M), midpoint or Heun).</summary>
    private void SecondOrderUpdate(int index, ReadOnlySpan<float> sample, float[]? noise, Span<float> prev)
    {
        var (alphaT, sigmaT) = AlphaSigma(SigmaValues[index + 1]);
        var (alphaS0, sigmaS0) = AlphaSigma(SigmaValues[index]);
        var (alphaS1, sigmaS1) = AlphaSigma(SigmaValues[index - 1]);
        float lambdaT = Lambda(alphaT, sigmaT), lambdaS0 = Lambda(alphaS0, sigmaS0), lambdaS1 = Lambda(alphaS1, sigmaS1);
        float[] m0 = ModelOutputs[^1]!, m1 = ModelOutputs[^2]!;
        float h = lambdaT - lambdaS0, h0 = lambdaS0 - lambdaS1;
        float r0 = h0 / h;
        float inverseR0 = 1f / r0; // D1 = (1 / r0) * (m0 - m1)
        // x_t = A * sample + B * D0 + C * D1 (+ N * noise), signs folded into the coefficients.
        float a, b, c, n = 0f;
        switch (_algorithm)
        {
            case Algorithm.DpmSolverPlusPlus:
            {
                float k = alphaT * (SleefMath.Exp(-h) - 1f);
                a = sigmaT / sigmaS0;
                b = -k;
                c = _heun ? alphaT * ((SleefMath.Exp(-h) - 1f) / h + 1f) : -(0.5f * k);
                break;
            }
            case Algorithm.DpmSolver:
            {
                float k = sigmaT * (SleefMath.Exp(h) - 1f);
                a = alphaT / alphaS0;
                b = -k;
                c = _heun ? -(sigmaT * ((SleefMath.Exp(h) - 1f) / h - 1f)) : -(0.5f * k);
                break;
            }
            case Algorithm.SdeDpmSolverPlusPlus:
            {
                float k = alphaT * (1f - SleefMath.Exp(-2f * h));
                a = sigmaT / sigmaS0 * SleefMath.Exp(-h);
                b = k;
                c = _heun ? alphaT * ((1f - SleefMath.Exp(-2f * h)) / (-2f * h) + 1f) : 0.5f * k;
                n = sigmaT * MathF.Sqrt(1f - SleefMath.Exp(-2f * h));
                break;
            }
            default:
            {
                float k = sigmaT * (SleefMath.Exp(h) - 1f);
                a = alphaT / alphaS0;
                b = -(2f * k);
                c = _heun ? -(2f * (sigmaT * ((SleefMath.Exp(h) - 1f) / h - 1f))) : -k;
                n = sigmaT * MathF.Sqrt(SleefMath.Exp(2f * h) - 1f);
                break;
            }
        }
        for (int i = 0; i < prev.Length; i++)
        {
            float d1 = inverseR0 * (m0[i] - m1[i]);
            float x = a * sample[i] + b * m0[i] + c * d1;
            prev[i] = noise is null ? x : x + n * noise[i];
        }
    }

    /// <summary>diffusers <c>multistep_dpm_solver_third_order_update</c> (DPM-Solver(++)(3M)).</summary>
    private void ThirdOrderUpdate(int index, ReadOnlySpan<float> sample, Span<float> prev)
    {
        var (alphaT, sigmaT) = AlphaSigma(SigmaValues[index + 1]);
        var (alphaS0, sigmaS0) = AlphaSigma(SigmaValues[index]);
        var (alphaS1, sigmaS1) = AlphaSigma(SigmaValues[index - 1]);
        var (alphaS2, sigmaS2) = AlphaSigma(SigmaValues[index - 2]);
        float lambdaT = Lambda(alphaT, sigmaT), lambdaS0 = Lambda(alphaS0, sigmaS0);
        float lambdaS1 = Lambda(alphaS1, sigmaS1), lambdaS2 = Lambda(alphaS2, sigmaS2);
        float[] m0 = ModelOutputs[^1]!, m1 = ModelOutputs[^2]!, m2 = ModelOutputs[^3]!;
        float h = lambdaT - lambdaS0, h0 = lambdaS0 - lambdaS1, h1 = lambdaS1 - lambdaS2;
        float r0 = h0 / h, r1 = h1 / h;
        float inverseR0 = 1f / r0, inverseR1 = 1f / r1;
        float blend = r0 / (r0 + r1), inverseSum = 1f / (r0 + r1);
        float a, b, c, d;
        if (_algorithm == Algorithm.DpmSolverPlusPlus)
        {
            float e = SleefMath.Exp(-h) - 1f;
            a = sigmaT / sigmaS0;
            b = -(alphaT * e);
            c = alphaT * (e / h + 1f);
            d = -(alphaT * ((SleefMath.Exp(-h) - 1f + h) / (h * h) - 0.5f));
        }
        else
        {
            float e = SleefMath.Exp(h) - 1f;
            a = alphaT / alphaS0;
            b = -(sigmaT * e);
            c = -(sigmaT * (e / h - 1f));
            d = -(sigmaT * ((SleefMath.Exp(h) - 1f - h) / (h * h) - 0.5f));
        }
        for (int i = 0; i < prev.Length; i++)
        {
            float d10 = inverseR0 * (m0[i] - m1[i]);
            float d11 = inverseR1 * (m1[i] - m2[i]);
            float d1 = d10 + blend * (d10 - d11);
            float d2 = inverseSum * (d10 - d11);
            prev[i] = a * sample[i] + b * m0[i] + c * d1 + d * d2;
        }
    }

    private protected override void SaveRunState(Dictionary<string, long> integers, Dictionary<string, double> scalars,
        Dictionary<string, float[]> tensors) => SaveHistory(integers, tensors);

    private protected override void RestoreRunState(IReadOnlyDictionary<string, long> integers,
        IReadOnlyDictionary<string, double> scalars, IReadOnlyDictionary<string, float[]> tensors) =>
        RestoreHistory(integers, tensors);
}
