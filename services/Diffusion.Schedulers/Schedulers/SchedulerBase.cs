using Diffusion.Schedulers.Internal;

namespace Diffusion.Schedulers;

/// <summary>
/// What every scheduler shares: the resolved configuration, the training schedule
/// (betas/alphas_cumprod), the step/begin indices, argument validation, aliasing of the output with
/// the inputs, step-noise draws and the state snapshot plumbing.
/// </summary>
internal abstract class SchedulerBase : IScheduler
{
    private double[] _timesteps = [];

    private protected SchedulerBase(string name, IReadOnlyList<OptionSpec> options, SchedulerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Name = name;
        Config = ConfigResolver.Resolve(name, options, config, overrides: null);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public SchedulerConfig Config { get; private protected set; }

    /// <inheritdoc />
    public virtual int Order => 1;

    /// <inheritdoc />
    public abstract bool IntegerTimesteps { get; }

    /// <inheritdoc />
    public IReadOnlyList<double> Timesteps { get; private set; } = Array.Empty<double>();

    /// <inheritdoc />
    public virtual IReadOnlyList<double>? Sigmas => null;

    /// <inheritdoc />
    public abstract double InitNoiseSigma { get; }

    /// <inheritdoc />
    public int? StepIndex { get; private protected set; }

    /// <inheritdoc />
    public int? BeginIndex { get; private protected set; }

    /// <inheritdoc />
    public virtual bool SupportsBeginIndex => false;

    /// <summary>The <c>num_inference_steps</c> of the last <see cref="SetTimesteps"/>, or null.</summary>
    public int? NumInferenceSteps { get; private set; }

    /// <summary>The training betas [num_train_timesteps] (float32).</summary>
    public IReadOnlyList<float> Betas => Training.Betas;

    /// <summary>The training alphas_cumprod [num_train_timesteps] (float32).</summary>
    public IReadOnlyList<float> AlphasCumprod => Training.AlphasCumprod;

    private protected TrainingSchedule Training { get; set; } = null!;

    /// <summary>The schedule as an array; <see cref="Timesteps"/> exposes it read-only.</summary>
    private protected double[] TimestepValues
    {
        get => _timesteps;
        set
        {
            _timesteps = value;
            Timesteps = Array.AsReadOnly(value);
        }
    }

    /// <inheritdoc />
    public void SetTimesteps(int numInferenceSteps)
    {
        if (numInferenceSteps < 1)
            throw new ArgumentOutOfRangeException(nameof(numInferenceSteps), numInferenceSteps, "num_inference_steps must be at least 1");
        SetTimestepsCore(numInferenceSteps);
        NumInferenceSteps = numInferenceSteps;
    }

    /// <inheritdoc />
    public virtual void ScaleModelInput(ReadOnlySpan<float> sample, double timestep, Span<float> destination)
    {
        CheckLength(destination.Length, sample.Length, nameof(destination));
        sample.CopyTo(destination);
    }

    /// <inheritdoc />
    public void Step(ReadOnlySpan<float> modelOutput, double timestep, ReadOnlySpan<float> sample, Span<float> prevSample,
        ReadOnlySpan<long> shape, INoiseSource? noise, StepOptions? options = null)
    {
        int n = Elements(shape);
        CheckLength(modelOutput.Length, n, nameof(modelOutput));
        CheckLength(sample.Length, n, nameof(sample));
        CheckLength(prevSample.Length, n, nameof(prevSample));
        if (NumInferenceSteps is null)
            throw new InvalidOperationException($"{Name}: call SetTimesteps before Step");
        options ??= StepOptions.Default;
        if (prevSample.Overlaps(sample) || prevSample.Overlaps(modelOutput))
        {
            var result = new float[n];
            StepCore(modelOutput, timestep, sample, result, shape, noise, options);
            result.CopyTo(prevSample);
        }
        else
        {
            StepCore(modelOutput, timestep, sample, prevSample, shape, noise, options);
        }
    }

    /// <inheritdoc />
    public void AddNoise(ReadOnlySpan<float> original, ReadOnlySpan<float> noise, ReadOnlySpan<double> timestepPerRow,
        Span<float> destination, ReadOnlySpan<long> shape)
    {
        int n = Elements(shape);
        CheckLength(original.Length, n, nameof(original));
        CheckLength(noise.Length, n, nameof(noise));
        CheckLength(destination.Length, n, nameof(destination));
        int rows = shape.Length == 0 ? 1 : checked((int)shape[0]);
        if (timestepPerRow.Length != rows && timestepPerRow.Length != 1)
            throw new ArgumentException($"{timestepPerRow.Length} timesteps for {rows} rows", nameof(timestepPerRow));
        int rowLength = rows == 0 ? 0 : n / rows;
        var factors = AddNoiseFactors(timestepPerRow);
        for (int r = 0; r < rows; r++)
        {
            var (a, b) = factors[factors.Length == 1 ? 0 : r];
            var x = original.Slice(r * rowLength, rowLength);
            var e = noise.Slice(r * rowLength, rowLength);
            var d = destination.Slice(r * rowLength, rowLength);
            // a * original + b * noise, each product rounded (torch broadcasts a [rows,1,1,1] factor).
            if (a == 1f)
                for (int i = 0; i < d.Length; i++) d[i] = x[i] + e[i] * b;
            else
                for (int i = 0; i < d.Length; i++) d[i] = a * x[i] + b * e[i];
        }
    }

    /// <inheritdoc />
    public virtual void SetBeginIndex(int beginIndex) =>
        throw new NotSupportedException($"{Name} has no set_begin_index in diffusers 0.27.2");

    /// <inheritdoc />
    public SchedulerState SaveState()
    {
        var integers = new Dictionary<string, long>(StringComparer.Ordinal);
        var scalars = new Dictionary<string, double>(StringComparer.Ordinal);
        var tensors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        if (StepIndex is int s) integers["step_index"] = s;
        if (BeginIndex is int b) integers["begin_index"] = b;
        SaveRunState(integers, scalars, tensors);
        return new SchedulerState
        {
            Scheduler = Name,
            NumInferenceSteps = NumInferenceSteps,
            Integers = integers,
            Scalars = scalars,
            Tensors = tensors,
        };
    }

    /// <inheritdoc />
    public void RestoreState(SchedulerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Scheduler != Name)
            throw new ArgumentException($"state of {state.Scheduler} cannot be restored into {Name}", nameof(state));
        if (state.NumInferenceSteps is int steps) SetTimesteps(steps);
        StepIndex = state.Integers.TryGetValue("step_index", out long s) ? checked((int)s) : null;
        BeginIndex = state.Integers.TryGetValue("begin_index", out long b) ? checked((int)b) : null;
        RestoreRunState(state.Integers, state.Scalars, state.Tensors);
    }

    private protected abstract void SetTimestepsCore(int numInferenceSteps);

    /// <summary>The step itself; <paramref name="prevSample"/> never aliases the inputs.</summary>
    private protected abstract void StepCore(ReadOnlySpan<float> modelOutput, double timestep, ReadOnlySpan<float> sample,
        Span<float> prevSample, ReadOnlySpan<long> shape, INoiseSource? noise, StepOptions options);

    /// <summary>Per-row (a, b) of <c>a * original + b * noise</c> for <see cref="AddNoise"/> (a = 1 means
    /// diffusers' <c>original + noise * sigma</c>).</summary>
    private protected abstract (float A, float B)[] AddNoiseFactors(ReadOnlySpan<double> timesteps);

    private protected virtual void SaveRunState(Dictionary<string, long> integers, Dictionary<string, double> scalars,
        Dictionary<string, float[]> tensors)
    {
    }

    private protected virtual void RestoreRunState(IReadOnlyDictionary<string, long> integers,
        IReadOnlyDictionary<string, double> scalars, IReadOnlyDictionary<string, float[]> tensors)
    {
    }

    /// <summary>One <c>randn_tensor(model_output.shape)</c> draw.</summary>
    private protected float[] DrawNoise(INoiseSource? noise, ReadOnlySpan<long> shape, int length, string why)
    {
        if (noise is null)
            throw new InvalidOperationException($"{Name}.step draws noise here ({why}) but no noise source was given");
        var buffer = new float[length];
        noise.Randn(buffer, shape);
        return buffer;
    }

    /// <summary><c>alphas_cumprod[t]</c> for an integral training timestep.</summary>
    private protected int TrainIndex(double timestep)
    {
        if (timestep != Math.Floor(timestep) || timestep < 0 || timestep >= Training.Length)
            throw new ArgumentOutOfRangeException(nameof(timestep), timestep, $"{Name}: not a training timestep in [0, {Training.Length})");
        return (int)timestep;
    }

    private protected static int Elements(ReadOnlySpan<long> shape)
    {
        long n = 1;
        foreach (long d in shape)
        {
            if (d < 0) throw new ArgumentException("negative dimension in shape", nameof(shape));
            n = checked(n * d);
        }
        return checked((int)n);
    }

    private static void CheckLength(int actual, int expected, string name)
    {
        if (actual != expected)
            throw new ArgumentException($"length {actual} does not match the shape ({expected} elements)", name);
    }
}
