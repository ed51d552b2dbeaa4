using Diffusion.Contracts;
using Diffusion.Contracts.V1;
using Diffusion.Hosting;
using Diffusion.Pipelines.Denoising;
using CheckpointProto = Diffusion.Contracts.V1.Checkpoint;
using SchedulerStateProto = Diffusion.Contracts.V1.SchedulerState;

namespace Diffusion.Denoiser;

/// <summary>Checkpoint proto &lt;-&gt; <see cref="DenoiseCheckpoint"/>, and SchedulerState proto &lt;-&gt;
/// the scheduler library's state record. Values travel as F32 exactly, so a resumed run is bit for
/// bit the uninterrupted one.</summary>
internal static class CheckpointMapper
{
    public static CheckpointProto ToProto(DenoiseCheckpoint checkpoint, long[] latentShape)
    {
        var state = checkpoint.SchedulerState;
        var proto = new SchedulerStateProto
        {
            Scheduler = state.Scheduler,
            NumInferenceSteps = state.NumInferenceSteps ?? 0,
        };
        foreach (var (key, values) in state.Tensors)
        {
            // State tensors are flat copies; those of the sample's size carry its shape for readability.
            long[] shape = values.Length == Product(latentShape) ? latentShape : [values.Length];
            proto.Tensors[key] = Tensors.FromFloats(values, shape);
        }
        foreach (var (key, value) in state.Scalars) proto.Scalars[key] = value;
        foreach (var (key, value) in state.Integers) proto.Integers[key] = value;
        return new CheckpointProto
        {
            Step = checkpoint.Step,
            Latents = Tensors.FromFloats(checkpoint.Latents, latentShape),
            SchedulerState = proto,
            NoiseDraws = checkpoint.NoiseDraws,
        };
    }

    /// <summary>Reads a resume checkpoint; the latents must have the request's latent shape and the
    /// state must come from the scheduler class the request selects.</summary>
    /// <exception cref="TensorValidationException">Malformed (the message names the field under <c>resume</c>).</exception>
    /// <param name="steps">The request's step count: a checkpoint cannot lie past it.</param>
    public static DenoiseCheckpoint FromProto(CheckpointProto proto, long[] latentShape, string schedulerClass, int steps)
    {
        if (proto.Step < 0)
            throw new TensorValidationException("resume.step", $"{proto.Step} is negative");
        if (proto.Step > steps)
            throw new TensorValidationException("resume.step", $"{proto.Step} is past the request's {steps} steps");
        // Stochastic schedulers draw step noise at most once per model evaluation (Heun-like
        // schedulers evaluate twice per step): more than that cannot come from a real run.
        if (proto.NoiseDraws < 0 || proto.NoiseDraws > 2L * proto.Step)
            throw new TensorValidationException("resume.noise_draws", $"{proto.NoiseDraws} is not in [0, 2 x step = {2L * proto.Step}]");
        var (latents, shape) = RequestTensors.ReadFloats(proto.Latents, "resume.latents", latentShape.Length);
        RequestTensors.RequireShape(shape, latentShape, "resume.latents", "the request's [N, C, h, w] =");
        var state = proto.SchedulerState ?? throw new TensorValidationException("resume.scheduler_state", "is required but missing");
        if (state.Scheduler != schedulerClass)
            throw new TensorValidationException("resume.scheduler_state",
                $"was saved by {state.Scheduler}, but the request selects {schedulerClass}");
        var tensors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var (key, tensor) in state.Tensors)
        {
            string field = $"resume.scheduler_state.tensors[{key}]";
            TensorValidation.Validate(tensor, field, null, null, [DType.F32]);
            // Scheduler history may legitimately hold non-finite values (e.g. sigma = inf rows are not
            // stored, but a caller's state is replayed as is): only the contract is checked here.
            tensors[key] = Tensors.ToFloats(tensor);
        }
        return new DenoiseCheckpoint(proto.Step, latents,
            new Diffusion.Schedulers.SchedulerState
            {
                Scheduler = state.Scheduler,
                NumInferenceSteps = state.NumInferenceSteps == 0 ? null : state.NumInferenceSteps,
                Tensors = tensors,
                Scalars = new Dictionary<string, double>(state.Scalars),
                Integers = new Dictionary<string, long>(state.Integers),
            },
            proto.NoiseDraws);
    }

    private static long Product(long[] shape)
    {
        long p = 1;
        foreach (var d in shape) p *= d;
        return p;
    }
}
