using System.Diagnostics;
using Diffusion.Contracts.V1;
using Diffusion.Grpc;
using Diffusion.Grpc.Server;
using Diffusion.Hosting;
using Diffusion.Pipelines.Denoising;
using Diffusion.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Diffusion.Denoiser;

/// <summary>Denoiser.Denoise: validate, plan, queue on the shared engine, stream the events.</summary>
internal sealed class DenoiseHandler(ModelSlot<DenoiserRuntime> slot, IOptions<RequestLimits> limits, ILogger<DenoiseHandler> logger,
    DiffusionMetrics? metrics = null)
{
    public async Task HandleAsync(DenoiseRequest request, IServerStreamWriter<DenoiseEvent> writer, ServerCallContext context)
    {
        var runtime = slot.Get();
        using var span = DiffusionActivitySources.Denoiser.StartActivity(DiffusionSpanNames.Denoise, ActivityKind.Internal);
        span?.SetTag("diffusion.request_id", request.RequestId);
        span?.SetTag(DiffusionTags.StepCount, request.Steps);
        span?.SetTag(DiffusionTags.GuidanceScale, (double)request.GuidanceScale);

        // Everything that can be wrong with the request fails here, before the engine sees it.
        var plan = DenoiseRequestValidator.Validate(request, runtime.UNet.Info, runtime.SchedulerConfig, limits.Value);
        span?.SetTag(DiffusionTags.Scheduler, plan.Scheduler.Name);
        var job = new DenoiseJob(plan.Spec, plan.Scheduler, runtime.Noise, runtime.UNet.Info.InChannels);
        if (plan.Resume is { } checkpoint)
            job.Restore(checkpoint);
        logger.LogInformation("denoise request {RequestId}: {Scheduler}, steps {Step}..{Total}, {Rows} UNet rows per step",
            request.RequestId, plan.Scheduler.Name, job.StepIndex, job.TotalSteps, job.Rows);

        var observer = new StreamingObserver(request.CheckpointEvery, request.PreviewEvery, request.HasSeed, metrics);
        if (job.IsDone)
        {
            observer.CompleteWithoutEngine(job);
        }
        else
        {
            runtime.Engine.Submit(job, observer, context.CancellationToken);
            observer.OnQueued();
        }

        await foreach (var e in observer.Events.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
            await writer.WriteAsync(e, context.CancellationToken).ConfigureAwait(false);
    }
}
