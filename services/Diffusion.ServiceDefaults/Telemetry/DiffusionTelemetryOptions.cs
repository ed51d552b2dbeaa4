namespace Diffusion.ServiceDefaults.Telemetry;

/// <summary>
/// Code-side telemetry settings of one service. Where to export, with which protocol and
/// sampler, is deployment configuration and comes from the standard OTEL_* variables instead
/// (see <see cref="TelemetryExportSettings"/>).
/// </summary>
public sealed class DiffusionTelemetryOptions
{
    /// <summary>The ActivitySources a service listens to unless told otherwise: ASP.NET Core's
    /// server spans, HttpClient's client spans, our transport and every Diffusion component.</summary>
    public static IReadOnlyList<string> DefaultTracingSources { get; } =
    [
        DiffusionActivitySources.AspNetCoreName,
        DiffusionActivitySources.HttpClientName,
        DiffusionActivitySources.GrpcName,
        DiffusionActivitySources.AllDiffusionSources,
    ];

    /// <summary>The meters a service listens to unless told otherwise: ours, ASP.NET Core's request
    /// and Kestrel connection metrics, HttpClient's, and the .NET runtime's (GC, thread pool, CPU).</summary>
    public static IReadOnlyList<string> DefaultMeters { get; } =
    [
        DiffusionActivitySources.AllDiffusionSources,
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "System.Net.Http",
        "System.Runtime",
    ];

    /// <summary>
    /// The <c>service.name</c> resource attribute, e.g. <c>denoiser</c>. Required. The
    /// OTEL_SERVICE_NAME variable overrides it, as the OpenTelemetry specification requires.
    /// </summary>
    public string ServiceName { get; set; } = string.Empty;

    /// <summary>The <c>service.version</c> resource attribute; not set when null.</summary>
    public string? ServiceVersion { get; set; }

    /// <summary>ActivitySource names (<c>*</c> wildcards allowed) whose spans are recorded.
    /// Starts as <see cref="DefaultTracingSources"/>.</summary>
    public IList<string> TracingSources { get; } = [.. DefaultTracingSources];

    /// <summary>Meter names (<c>*</c> wildcards allowed) whose instruments are recorded.
    /// Starts as <see cref="DefaultMeters"/>.</summary>
    public IList<string> Meters { get; } = [.. DefaultMeters];

    /// <summary>
    /// How long finished spans and log records wait in the batch processor before export. Null
    /// keeps OTEL_BSP_SCHEDULE_DELAY / OTEL_BLRP_SCHEDULE_DELAY, or the SDK default of 5 s (1 s for
    /// logs). Tests set a few milliseconds, or call <see cref="DiffusionTelemetry.ForceFlush"/>.
    /// </summary>
    public TimeSpan? ExportScheduleDelay { get; set; }

    /// <summary>How often metrics are collected and exported. Null keeps
    /// OTEL_METRIC_EXPORT_INTERVAL, or the SDK default of 60 s.</summary>
    public TimeSpan? MetricExportInterval { get; set; }

    /// <summary>How long host shutdown waits for the final flush of buffered telemetry.</summary>
    public TimeSpan ShutdownFlushTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The console log format (see <see cref="Telemetry.ConsoleLogFormat"/>).</summary>
    public ConsoleLogFormat ConsoleLogFormat { get; set; } = ConsoleLogFormat.Auto;

    /// <summary>Throws when a required setting is missing or out of range.</summary>
    /// <exception cref="ArgumentException">The options are not usable.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ServiceName))
        {
            throw new ArgumentException("A service name is required (e.g. \"denoiser\").", nameof(ServiceName));
        }

        RequirePositive(ExportScheduleDelay, nameof(ExportScheduleDelay));
        RequirePositive(MetricExportInterval, nameof(MetricExportInterval));
        RequirePositive(ShutdownFlushTimeout, nameof(ShutdownFlushTimeout));
    }

    private static void RequirePositive(TimeSpan? value, string name)
    {
        if (value is { } v && (v <= TimeSpan.Zero || v.TotalMilliseconds > int.MaxValue))
        {
            throw new ArgumentException($"{name} must be positive and below {int.MaxValue} ms, got {v}.", name);
        }
    }
}

/// <summary>How console log lines are written. Every format carries the current TraceId and
/// SpanId (as a scope) when a line is written inside a span.</summary>
public enum ConsoleLogFormat
{
    /// <summary><see cref="Simple"/> in the Development environment, <see cref="Json"/> elsewhere.</summary>
    Auto,

    /// <summary>One JSON object per line with scopes (TraceId, SpanId, ParentId), UTC timestamps:
    /// what log collectors in a cluster parse.</summary>
    Json,

    /// <summary>One human-readable line per entry with scopes and UTC timestamps.</summary>
    Simple,

    /// <summary>Leave the console providers exactly as the host configured them.</summary>
    Unchanged,
}
