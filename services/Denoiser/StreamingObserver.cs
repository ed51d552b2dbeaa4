using System.Diagnostics;
using System.Threading.Channels;
using Diffusion.Contracts;
using Diffusion.Contracts.V1;
using Diffusion.Pipelines.Denoising;
using Diffusion.ServiceDefaults.Telemetry;

namespace Diffusion.Denoiser;

/// <summary>
/// Turns one job's engine callbacks into the events of its Denoise stream: progress every step, a
/// checkpoint every <c>checkpoint_every</c> steps, preview latents every <c>preview_every</c> steps,
/// then the result. Callbacks run on the engine thread: they only copy what they need and enqueue;
/// the handler writes to the network.
/// </summary>
internal sealed class StreamingObserver(int checkpointEvery, int previewEvery, bool seeded, DiffusionMetrics? metrics) : IDenoiseObserver
{
    private readonly Channel<DenoiseEvent> _events = Channel.CreateUnbounded<DenoiseEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly long _created = Stopwatch.GetTimestamp();
    private long _started;
    private double _queueMs;
    private int _queued = 1;

    /// <summary>The stream's events; completes after the result, or with the job's error.</summary>
    public ChannelReader<DenoiseEvent> Events => _events.Reader;

    /// <summary>Called once the job is in the engine's queue (pairs the queue-depth metric).</summary>
    public void OnQueued() => metrics?.IncrementQueueDepth();

    public void OnStarted(double queueMs)
    {
        LeaveQueue();
        _queueMs = queueMs;
        _started = Stopwatch.GetTimestamp();
    }

    public void OnStep(DenoiseJob job, StepInfo step)
    {
        metrics?.RecordStepDuration(step.UNetMs + step.SchedulerMs, job.SchedulerName);
        _events.Writer.TryWrite(new DenoiseEvent
        {
            Progress = new Progress { Step = step.Step, Total = step.Total, Timestep = step.Timestep, ElapsedMs = step.ElapsedMs },
        });
        if (job.IsDone) return; // the result follows; a checkpoint or preview of the end adds nothing
        if (checkpointEvery > 0 && step.Step % checkpointEvery == 0)
            _events.Writer.TryWrite(new DenoiseEvent { Checkpoint = CheckpointMapper.ToProto(job.Checkpoint(), job.Spec.LatentShape) });
        if (previewEvery > 0 && step.Step % previewEvery == 0)
            _events.Writer.TryWrite(new DenoiseEvent { Preview = Tensors.FromFloats(job.Latents, job.Spec.LatentShape) });
    }

    public void OnCompleted(DenoiseJob job) => Complete(job);

    /// <summary>Writes the result of a job that has nothing left to run (a resume from its last step).</summary>
    public void CompleteWithoutEngine(DenoiseJob job)
    {
        LeaveQueue();
        _started = _created;
        Complete(job);
    }

    public void OnFailed(DenoiseJob job, Exception error)
    {
        LeaveQueue();
        // A stochastic scheduler asked for step noise and the request has no seed: the scheduler
        // reports it as a missing argument of its own, which is the caller's mistake.
        if (!seeded && error is InvalidOperationException && error.Message.Contains("noise", StringComparison.OrdinalIgnoreCase))
            error = new TensorValidationException("seed", $"is required: the {job.SchedulerName} draws step noise");
        _events.Writer.TryComplete(error);
    }

    private void Complete(DenoiseJob job)
    {
        var result = new DenoiseResult
        {
            Latents = Tensors.FromFloats(job.Latents, job.Spec.LatentShape),
            QueueMs = _queueMs,
            DenoiseMs = Stopwatch.GetElapsedTime(_started).TotalMilliseconds,
        };
        result.Timesteps.Add(job.Timesteps);
        _events.Writer.TryWrite(new DenoiseEvent { Result = result });
        _events.Writer.TryComplete();
    }

    private void LeaveQueue()
    {
        if (Interlocked.Exchange(ref _queued, 0) == 1)
            metrics?.DecrementQueueDepth();
    }
}
