using System.Diagnostics.Metrics;
using Diffusion.Hosting;
using Diffusion.ServiceDefaults.Telemetry;

namespace Diffusion.Denoiser;

/// <summary>The engine's occupancy as observable gauges on the <c>Diffusion.Denoiser</c> meter, read at
/// each metrics collection (queue depth and batch sizes are recorded as they happen on
/// <see cref="DiffusionMetrics"/>).</summary>
internal sealed class DenoiserGauges
{
    /// <summary>Gauge, requests: jobs being denoised (interleaved step by step).</summary>
    public const string ActiveJobsName = "diffusion.denoiser.active_jobs";

    /// <summary>Gauge, requests: jobs waiting in the engine's queue.</summary>
    public const string QueuedJobsName = "diffusion.denoiser.queued_jobs";

    public DenoiserGauges(IMeterFactory meters, ModelSlot<DenoiserRuntime> slot)
    {
        var meter = meters.Create(new MeterOptions(DiffusionActivitySources.DenoiserName));
        meter.CreateObservableGauge(ActiveJobsName, () => slot.IsReady ? slot.Get().Engine.ActiveJobs : 0, "{request}",
            "Requests being denoised now.");
        meter.CreateObservableGauge(QueuedJobsName, () => slot.IsReady ? slot.Get().Engine.QueueDepth : 0, "{request}",
            "Requests waiting for an engine slot.");
    }
}
