namespace Diffusion.Schedulers;

/// <summary>
/// A diffusers noise scheduler over managed float32 tensors. Every tensor argument is a flat row-major
/// span whose length is the product of <c>shape</c> (<c>[N, C, h, w]</c> with N the images of one
/// request); the arithmetic follows the named diffusers class in float32 like torch does. An instance
/// holds the state of one denoising run: create one per request (<see cref="SchedulerFactory"/>),
/// never share it between concurrent runs.
/// </summary>
public interface IScheduler
{
    /// <summary>The diffusers class name (e.g. <c>EulerDiscreteScheduler</c>).</summary>
    string Name { get; }

    /// <summary>The effective configuration (class defaults, base config and overrides resolved),
    /// like diffusers' <c>scheduler.config</c>.</summary>
    SchedulerConfig Config { get; }

    /// <summary>diffusers' <c>scheduler.order</c>: model evaluations per inference step (2 for Heun).</summary>
    int Order { get; }

    /// <summary>True when the timesteps are integers (int64 in diffusers), false for float32.</summary>
    bool IntegerTimesteps { get; }

    /// <summary>diffusers' <c>set_timesteps(num_inference_steps)</c>; resets the run state.</summary>
    void SetTimesteps(int numInferenceSteps);

    /// <summary>The timesteps to visit, in order (exact int64 or float32 values widened to double).
    /// Each is passed to the UNet and to <see cref="Step"/>.</summary>
    IReadOnlyList<double> Timesteps { get; }

    /// <summary>The sigma schedule (float32 widened, one trailing entry), or null for schedulers
    /// without one (DDPM, DDIM, PNDM).</summary>
    IReadOnlyList<double>? Sigmas { get; }

    /// <summary>The standard deviation of the initial noise (float32 widened): the pipeline starts
    /// from <c>randn * InitNoiseSigma</c> (multiply in float32).</summary>
    double InitNoiseSigma { get; }

    /// <summary>The current step index (null before the first step), diffusers' <c>step_index</c>.</summary>
    int? StepIndex { get; }

    /// <summary>The begin index set for img2img, diffusers' <c>begin_index</c>.</summary>
    int? BeginIndex { get; }

    /// <summary>True when the diffusers class has <c>set_begin_index</c>.</summary>
    bool SupportsBeginIndex { get; }

    /// <summary>diffusers' <c>scale_model_input(sample, timestep)</c> into <paramref name="destination"/>
    /// (may alias <paramref name="sample"/>). Like diffusers it initialises the step index from the
    /// timestep when no step has been taken yet.</summary>
    void ScaleModelInput(ReadOnlySpan<float> sample, double timestep, Span<float> destination);

    /// <summary>diffusers' <c>step(model_output, timestep, sample, generator, **options).prev_sample</c>
    /// into <paramref name="prevSample"/> (may alias <paramref name="sample"/>).</summary>
    /// <param name="modelOutput">The UNet output after guidance, <paramref name="shape"/>.</param>
    /// <param name="timestep">The current timestep, one of <see cref="Timesteps"/>.</param>
    /// <param name="sample">The current latents, <paramref name="shape"/>.</param>
    /// <param name="prevSample">Receives the latents for the next timestep.</param>
    /// <param name="shape">The tensor shape, e.g. <c>[N, 4, h, w]</c>; noise draws use it.</param>
    /// <param name="noise">Where step noise comes from; required exactly when this scheduler draws
    /// (Euler, Euler a, DDPM for t &gt; 0, DDIM with eta &gt; 0, DPM++ SDE).</param>
    /// <param name="options">Step keyword arguments (eta, s_churn...); null = defaults.</param>
    /// <exception cref="InvalidOperationException">Noise is needed but <paramref name="noise"/> is null,
    /// or <see cref="SetTimesteps"/> was not called.</exception>
    void Step(ReadOnlySpan<float> modelOutput, double timestep, ReadOnlySpan<float> sample, Span<float> prevSample,
        ReadOnlySpan<long> shape, INoiseSource? noise, StepOptions? options = null);

    /// <summary>diffusers' <c>add_noise(original, noise, timesteps)</c> into <paramref name="destination"/>.
    /// <paramref name="timestepPerRow"/> has one timestep per row of dimension 0 of
    /// <paramref name="shape"/> (or a single one for all rows).</summary>
    void AddNoise(ReadOnlySpan<float> original, ReadOnlySpan<float> noise, ReadOnlySpan<double> timestepPerRow,
        Span<float> destination, ReadOnlySpan<long> shape);

    /// <summary>diffusers' <c>set_begin_index</c> (img2img starts part-way).</summary>
    /// <exception cref="NotSupportedException">The diffusers class has no <c>set_begin_index</c>.</exception>
    void SetBeginIndex(int beginIndex);

    /// <summary>A snapshot of the run state (copies).</summary>
    SchedulerState SaveState();

    /// <summary>Continues from <paramref name="state"/>: recomputes the schedule for its
    /// <see cref="SchedulerState.NumInferenceSteps"/> and restores the run state (copies).</summary>
    /// <exception cref="ArgumentException">The state belongs to another scheduler class or is malformed.</exception>
    void RestoreState(SchedulerState state);
}
