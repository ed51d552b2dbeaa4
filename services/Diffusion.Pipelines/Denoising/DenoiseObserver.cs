namespace Diffusion.Pipelines.Denoising;

/// <summary>Timing and batching of one completed step of one job.</summary>
/// <param name="Step">Steps completed, 1-based.</param>
/// <param name="BatchRows">UNet rows in the forward pass this step shared.</param>
/// <param name="BatchJobs">Requests in that forward pass.</param>
public sealed record StepInfo(int Step, int Total, double Timestep, double? Sigma, int BatchRows, int BatchJobs,
    double UNetMs, double SchedulerMs, double ElapsedMs);

/// <summary>Receives a job's events on the engine's thread: keep handlers short and non-blocking.</summary>
public interface IDenoiseObserver
{
    void OnStarted(double queueMs) { }
    void OnStep(DenoiseJob job, StepInfo step);
    void OnCompleted(DenoiseJob job);
    void OnFailed(DenoiseJob job, Exception error);
}
