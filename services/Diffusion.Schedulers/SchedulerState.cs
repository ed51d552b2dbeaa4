namespace Diffusion.Schedulers;

/// <summary>
/// Everything a scheduler instance mutates while stepping, as plain values, so a run can continue in
/// another process bit for bit: restore it into a scheduler created from the same configuration.
/// Absent keys stand for diffusers' <c>None</c>. Tensors are flat float32 copies (row-major, the
/// sample's shape); the state owns them and restoring copies them again.
/// </summary>
public sealed record SchedulerState
{
    /// <summary>The diffusers class name of the scheduler that produced the state.</summary>
    public required string Scheduler { get; init; }

    /// <summary>The <c>num_inference_steps</c> given to <c>set_timesteps</c>, or null if never called.</summary>
    public int? NumInferenceSteps { get; init; }

    /// <summary>Counters and indices (<c>step_index</c>, <c>begin_index</c>, <c>lower_order_nums</c>, ...).</summary>
    public IReadOnlyDictionary<string, long> Integers { get; init; } = new Dictionary<string, long>();

    /// <summary>Scalars held between steps (e.g. Heun's <c>dt</c>), widened from float32.</summary>
    public IReadOnlyDictionary<string, double> Scalars { get; init; } = new Dictionary<string, double>();

    /// <summary>Tensors held between steps (model-output history, saved samples, derivatives).</summary>
    public IReadOnlyDictionary<string, float[]> Tensors { get; init; } = new Dictionary<string, float[]>();
}
