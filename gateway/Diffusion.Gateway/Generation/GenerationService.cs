using System.Diagnostics;
using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Diffusion.Gateway.Admission;
using Diffusion.Gateway.Downstream;
using Diffusion.Gateway.Options;
using Diffusion.Gateway.Readiness;
using Diffusion.Gateway.Resilience;
using Diffusion.Gateway.Telemetry;
using Diffusion.Grpc;
using Diffusion.Grpc.Server;
using Diffusion.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Diffusion.Gateway.Generation;

/// <summary>
/// The diffusion.v1.Gateway handlers: admission, the root span, the overall deadline, readiness,
/// validation (before any downstream work), then <see cref="GenerationPipeline"/>. Whatever goes
/// wrong leaves as a gRPC status with a message for the user and no internals.
/// </summary>
internal sealed class GenerationService(
    DownstreamSet downstreams,
    DownstreamCatalog catalog,
    AdmissionController admission,
    IOptions<GatewayOptions> options,
    ILogger<GenerationService> logger,
    TimeProvider time,
    DiffusionMetrics? metrics = null)
{
    private readonly GenerationPipeline _pipeline = new(downstreams);
    private readonly GatewayOptions _options = options.Value;

    /// <summary>Generate: the final response only.</summary>
    public Task<GenerateResponse> GenerateAsync(GenerateRequest request, ServerCallContext context) =>
        RunAsync(request, context, GatewayMethods.Generate.Name, onProgress: null);

    /// <summary>GenerateStream: the denoiser's progress events as they come, then the response.</summary>
    public async Task GenerateStreamAsync(GenerateRequest request, IServerStreamWriter<GenerateEvent> writer, ServerCallContext context)
    {
        var response = await RunAsync(request, context, GatewayMethods.GenerateStream.Name,
            p => writer.WriteAsync(new GenerateEvent { Progress = p }, context.CancellationToken)).ConfigureAwait(false);
        await writer.WriteAsync(new GenerateEvent { Result = response }, context.CancellationToken).ConfigureAwait(false);
    }

    private async Task<GenerateResponse> RunAsync(GenerateRequest request, ServerCallContext context, string method, Func<Progress, Task>? onProgress)
    {
        var total = Stopwatch.StartNew();
        var code = StatusCode.OK;
        var headers = context.GetHttpContext().Request.Headers;
        using var root = GatewayTelemetry.StartGenerate(method,
            headers.TryGetValue("traceparent", out var traceParent) ? traceParent.ToString() : null,
            headers.TryGetValue("tracestate", out var traceState) ? traceState.ToString() : null);
        try
        {
            using var lease = admission.Enter();
            var token = context.CancellationToken;
            var now = time.GetUtcNow().UtcDateTime;
            var deadline = context.Deadline < now + _options.Deadlines.Generate ? context.Deadline : now + _options.Deadlines.Generate;

            var models = await catalog.GetReadyAsync(token).ConfigureAwait(false);
            var plan = GenerateValidator.Validate(request, models, _options.Limits, NewSeed());
            Tag(root, plan, models);

            var response = await _pipeline.RunAsync(plan, models, deadline, onProgress, token).ConfigureAwait(false);
            response.Timings.TotalMs = total.Elapsed.TotalMilliseconds;
            response.TraceId = root.TraceId.ToHexString();
            metrics?.AddImagesGenerated(response.Images.Count);
            logger.LogInformation(
                "Generated {Count} image(s) {Width}x{Height}, {Steps} steps, seed {Seed}, in {TotalMs:0} ms (encode {EncodeMs:0}, denoise {DenoiseMs:0}, decode {DecodeMs:0}), {Failovers} failover(s)",
                response.Images.Count, plan.Width, plan.Height, plan.Steps, plan.Seed, response.Timings.TotalMs,
                response.Timings.EncodeMs, response.Timings.DenoiseMs, response.Timings.DecodeMs, response.Failovers);
            return response;
        }
        catch (RpcException ex)
        {
            code = ex.StatusCode;
            GatewayTelemetry.RecordFailure(root, ex);
            if (code is StatusCode.InvalidArgument or StatusCode.ResourceExhausted or StatusCode.Cancelled)
                logger.LogInformation("{Method} refused: {Code} {Detail}", method, RetryRules.StatusName(code), ex.Status.Detail);
            else
                logger.LogWarning("{Method} failed: {Code} {Detail}", method, RetryRules.StatusName(code), ex.Status.Detail);
            throw;
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            code = time.GetUtcNow().UtcDateTime >= context.Deadline ? StatusCode.DeadlineExceeded : StatusCode.Cancelled;
            throw new RpcException(new Status(code, code == StatusCode.Cancelled ? "The call was canceled by the client." : "Deadline exceeded."));
        }
        catch (Exception ex)
        {
            // Logged in full here; the client gets the trace id to find it, never the exception.
            code = StatusCode.Internal;
            GatewayTelemetry.RecordFailure(root, ex);
            logger.LogError(ex, "{Method} failed unexpectedly (trace {TraceId})", method, root.TraceId.ToHexString());
            throw new RpcException(new Status(StatusCode.Internal, $"Internal error in the gateway; trace id {root.TraceId.ToHexString()}."));
        }
        finally
        {
            metrics?.RecordRequest(GatewayMethods.Service, method, (int)code);
        }
    }

    /// <summary>A random seed when the request has none: 32 bits, short enough to type back.</summary>
    private static long NewSeed() => Random.Shared.NextInt64(0, 1L << 32);

    private static void Tag(Activity root, GenerationPlan plan, DownstreamDescriptions models)
    {
        if (!root.IsAllDataRequested)
            return;
        root.SetTag(DiffusionTags.ImageWidth, plan.Width);
        root.SetTag(DiffusionTags.ImageHeight, plan.Height);
        root.SetTag(DiffusionTags.StepCount, plan.Steps);
        root.SetTag(DiffusionTags.GuidanceScale, plan.GuidanceScale);
        root.SetTag(DiffusionTags.Scheduler, plan.Scheduler.Length > 0 ? plan.Scheduler : models.Denoiser.DefaultScheduler);
        root.SetTag(DiffusionTags.BatchSize, plan.NumImages);
        root.SetTag(DiffusionTags.Model, models.Denoiser.Model);
        root.SetTag(GatewayTelemetry.SeedTag, plan.Seed);
    }
}
