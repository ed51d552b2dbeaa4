namespace Diffusion.ServiceDefaults.Telemetry;

/// <summary>
/// Span and metric attribute names. The <c>rpc.*</c> and <c>error.type</c> names are the
/// OpenTelemetry semantic conventions (semantic-conventions docs/rpc/grpc.md); the
/// <c>diffusion.*</c> names are ours. Units are part of the name where a value is a duration.
/// </summary>
public static class DiffusionTags
{
    /// <summary>Semantic convention: the RPC system; always <see cref="RpcSystemGrpc"/> for us.</summary>
    public const string RpcSystem = "rpc.system";

    /// <summary>The <see cref="RpcSystem"/> value for gRPC.</summary>
    public const string RpcSystemGrpc = "grpc";

    /// <summary>Semantic convention: the full service name, e.g. <c>diffusion.v1.Denoiser</c>.</summary>
    public const string RpcService = "rpc.service";

    /// <summary>Semantic convention: the method name, e.g. <c>Denoise</c>.</summary>
    public const string RpcMethod = "rpc.method";

    /// <summary>Semantic convention: the numeric gRPC status code (int, 0 = OK).</summary>
    public const string RpcGrpcStatusCode = "rpc.grpc.status_code";

    /// <summary>Semantic convention: the class of error (exception type name or status name).</summary>
    public const string ErrorType = "error.type";

    /// <summary>Zero-based index of the denoising step within the loop (int).</summary>
    public const string StepIndex = "diffusion.step.index";

    /// <summary>Total number of denoising steps of the request (int).</summary>
    public const string StepCount = "diffusion.step.count";

    /// <summary>The scheduler timestep of the step (number, e.g. 999 … 0).</summary>
    public const string StepTimestep = "diffusion.step.timestep";

    /// <summary>The noise level sigma of the step, for sigma-based schedulers (double).</summary>
    public const string StepSigma = "diffusion.step.sigma";

    /// <summary>Images processed together in one forward pass (int).</summary>
    public const string BatchSize = "diffusion.batch.size";

    /// <summary>Classifier-free guidance scale (double; 1 disables guidance).</summary>
    public const string GuidanceScale = "diffusion.guidance_scale";

    /// <summary>Scheduler class name, e.g. <c>EulerDiscreteScheduler</c> (string).</summary>
    public const string Scheduler = "diffusion.scheduler";

    /// <summary>Milliseconds spent in the UNet forward pass of a step (double).</summary>
    public const string UNetMilliseconds = "diffusion.unet.ms";

    /// <summary>Milliseconds spent in the scheduler's step of a step (double).</summary>
    public const string SchedulerMilliseconds = "diffusion.scheduler.ms";

    /// <summary>Whether a cached result was used, e.g. a prompt embedding (bool).</summary>
    public const string CacheHit = "diffusion.cache.hit";

    /// <summary>One-based attempt number of a retried call (int; 1 = first try).</summary>
    public const string RetryAttempt = "diffusion.retry.attempt";

    /// <summary>Why a call was retried, e.g. the gRPC status name (string).</summary>
    public const string RetryReason = "diffusion.retry.reason";

    /// <summary>Output image width in pixels (int).</summary>
    public const string ImageWidth = "diffusion.image.width";

    /// <summary>Output image height in pixels (int).</summary>
    public const string ImageHeight = "diffusion.image.height";

    /// <summary>The model identifier or folder name (string).</summary>
    public const string Model = "diffusion.model";

    /// <summary>The compute device, e.g. <c>cuda:0</c> or <c>cpu</c> (string).</summary>
    public const string Device = "diffusion.device";
}
