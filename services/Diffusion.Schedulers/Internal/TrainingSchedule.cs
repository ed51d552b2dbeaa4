namespace Diffusion.Schedulers.Internal;

/// <summary>
/// The training noise schedule every diffusers scheduler builds in its constructor: float32
/// <c>betas</c> [T], <c>alphas_cumprod</c> [T].
/// </summary>
internal sealed class TrainingSchedule
{
    private TrainingSchedule(float[] betas, float[] alphasCumprod)
    {
        Betas = betas;
        AlphasCumprod = alphasCumprod;
    }

    public float[] Betas { get; }

    public float[] AlphasCumprod { get; }

    public int Length => Betas.Length;

    /// <summary>
    /// diffusers' constructor prologue: betas from <c>trained_betas</c> or <c>beta_schedule</c>,
    /// optionally <c>rescale_zero_terminal_snr</c>, <c>alphas_cumprod = cumprod(1 - betas)</c>, and the
    /// Euler/DPM fix-up <c>alphas_cumprod[-1] = 2**-24</c> when rescaled.
    /// </summary>
    /// <param name="config">The effective configuration.</param>
    /// <param name="className">For messages.</param>
    /// <param name="allowedSchedules">The beta_schedule values this class accepts.</param>
    /// <param name="rescaleZeroSnr">Whether the class honours <c>rescale_betas_zero_snr</c> and it is set.</param>
    /// <param name="fixLastAlphaCumprod">Whether the class sets <c>alphas_cumprod[-1] = 2**-24</c> after rescaling.</param>
    public static TrainingSchedule Create(SchedulerConfig config, string className, IReadOnlyCollection<string> allowedSchedules,
        bool rescaleZeroSnr, bool fixLastAlphaCumprod)
    {
        int n = checked((int)config.GetInt64("num_train_timesteps"));
        if (n < 2)
            throw new SchedulerConfigurationException("num_train_timesteps", n.ToString(), $"{className}: num_train_timesteps={n} must be at least 2");
        float[] betas;
        var trained = config.GetDoubleArray("trained_betas");
        if (trained is not null)
        {
            // torch.tensor(trained_betas, dtype=torch.float32)
            if (trained.Length != n)
                throw new SchedulerConfigurationException("trained_betas", $"[{trained.Length} values]",
                    $"{className}: trained_betas has {trained.Length} values but num_train_timesteps={n}");
            betas = trained.Select(b => (float)b).ToArray();
        }
        else
        {
            string schedule = config.GetString("beta_schedule") ?? "linear";
            if (!allowedSchedules.Contains(schedule))
                throw new SchedulerConfigurationException("beta_schedule", schedule,
                    $"{className}: beta_schedule={schedule} is not supported (supported: {string.Join(", ", allowedSchedules)})");
            double betaStart = config.GetDouble("beta_start"), betaEnd = config.GetDouble("beta_end");
            betas = schedule switch
            {
                "linear" => TorchMath.LinspaceFloat32(betaStart, betaEnd, n),
                "scaled_linear" => Square(TorchMath.LinspaceFloat32(Math.Sqrt(betaStart), Math.Sqrt(betaEnd), n)),
                "squaredcos_cap_v2" => BetasForAlphaBar(n, t => Math.Pow(Math.Cos((t + 0.008) / 1.008 * Math.PI / 2), 2)),
                "exp" => BetasForAlphaBar(n, t => Math.Exp(t * -12.0)),
                "sigmoid" => Sigmoid(n, betaStart, betaEnd),
                _ => throw new InvalidOperationException(schedule),
            };
        }
        if (rescaleZeroSnr) betas = RescaleZeroTerminalSnr(betas);
        var alphas = new float[n];
        for (int i = 0; i < n; i++) alphas[i] = 1f - betas[i];
        var acp = TorchMath.CumprodFloat32(alphas);
        if (rescaleZeroSnr && fixLastAlphaCumprod) acp[^1] = MathF.Pow(2, -24);
        return new TrainingSchedule(betas, acp);
    }

    /// <summary><c>((1 - alphas_cumprod) / alphas_cumprod) ** 0.5</c> in float32, ascending in t.</summary>
    public float[] TrainingSigmas()
    {
        var s = new float[Length];
        for (int i = 0; i < s.Length; i++) s[i] = MathF.Sqrt((1f - AlphasCumprod[i]) / AlphasCumprod[i]);
        return s;
    }

    private static float[] Square(float[] x)
    {
        for (int i = 0; i < x.Length; i++) x[i] *= x[i]; // torch pow(x, 2) is x * x
        return x;
    }

    /// <summary>diffusers <c>betas_for_alpha_bar</c>: Python float64 math, then float32.</summary>
    private static float[] BetasForAlphaBar(int n, Func<double, double> alphaBar)
    {
        const double maxBeta = 0.999;
        var betas = new float[n];
        for (int i = 0; i < n; i++)
        {
            double t1 = (double)i / n, t2 = (double)(i + 1) / n;
            betas[i] = (float)Math.Min(1 - alphaBar(t2) / alphaBar(t1), maxBeta);
        }
        return betas;
    }

    /// <summary>DDPM "sigmoid": <c>sigmoid(linspace(-6, 6, n)) * (beta_end - beta_start) + beta_start</c>.</summary>
    private static float[] Sigmoid(int n, double betaStart, double betaEnd)
    {
        var x = TorchMath.LinspaceFloat32(-6, 6, n);
        float scale = (float)(betaEnd - betaStart), offset = (float)betaStart;
        for (int i = 0; i < n; i++) x[i] = TorchMath.Sigmoid(x[i]) * scale + offset;
        return x;
    }

    /// <summary>diffusers <c>rescale_zero_terminal_snr</c> (arXiv:2305.08891, Algorithm 1) in float32.</summary>
    private static float[] RescaleZeroTerminalSnr(float[] betas)
    {
        int n = betas.Length;
        var alphas = new float[n];
        for (int i = 0; i < n; i++) alphas[i] = 1f - betas[i];
        var sqrtBar = TorchMath.CumprodFloat32(alphas);
        for (int i = 0; i < n; i++) sqrtBar[i] = MathF.Sqrt(sqrtBar[i]);
        float first = sqrtBar[0], last = sqrtBar[^1];
        float scale = first / (first - last);
        for (int i = 0; i < n; i++) sqrtBar[i] = (sqrtBar[i] - last) * scale;
        var bar = new float[n];
        for (int i = 0; i < n; i++) bar[i] = sqrtBar[i] * sqrtBar[i];
        var result = new float[n];
        result[0] = 1f - bar[0];
        for (int i = 1; i < n; i++) result[i] = 1f - bar[i] / bar[i - 1];
        return result;
    }
}
