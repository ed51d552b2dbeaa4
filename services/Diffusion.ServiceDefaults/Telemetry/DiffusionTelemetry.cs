using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Diffusion.ServiceDefaults.Telemetry;

/// <summary>
/// The tracing and metrics pipeline of one service: a TracerProvider listening to
/// <see cref="DiffusionTelemetryOptions.TracingSources"/> and a MeterProvider listening to
/// <see cref="DiffusionTelemetryOptions.Meters"/>, each with an OTLP exporter when
/// <see cref="Export"/> says so. Services get it from <c>AddDiffusionDefaults</c>, which also
/// disposes it with the host; tools without a host call <see cref="Create"/> and dispose it.
/// </summary>
/// <remarks>
/// Spans are recorded even when trace export is off, so trace context still flows through the
/// service and log lines still carry trace ids. Sampling follows OTEL_TRACES_SAMPLER and
/// OTEL_TRACES_SAMPLER_ARG (default <c>parentbased_always_on</c>); no sampler is set in code,
/// because a programmatic sampler would make the SDK ignore those variables.
/// </remarks>
public sealed class DiffusionTelemetry : IDisposable
{
    private const string ServiceNameAttribute = "service.name";

    private readonly OpenTelemetrySdk _sdk;
    private readonly LoggerProvider? _hostLoggerProvider;

    private DiffusionTelemetry(
        OpenTelemetrySdk sdk, TelemetryExportSettings export, LoggerProvider? hostLoggerProvider, string codeServiceName)
    {
        _sdk = sdk;
        _hostLoggerProvider = hostLoggerProvider;
        Export = export;
        Resource = sdk.TracerProvider.GetResource();

        // A disabled SDK (OTEL_SDK_DISABLED) has an empty resource; the name in code still applies.
        ServiceName = Resource.Attributes
            .Where(a => a.Key == ServiceNameAttribute)
            .Select(a => a.Value as string)
            .LastOrDefault() ?? codeServiceName;
    }

    /// <summary>The effective service name: OTEL_SERVICE_NAME, else a <c>service.name</c> in
    /// OTEL_RESOURCE_ATTRIBUTES, else the one in code.</summary>
    public string ServiceName { get; }

    /// <summary>The resource attached to every exported span and metric.</summary>
    public Resource Resource { get; }

    /// <summary>Which signals are exported, and where.</summary>
    public TelemetryExportSettings Export { get; }

    /// <summary>The TracerProvider (owned by this object).</summary>
    public TracerProvider TracerProvider => _sdk.TracerProvider;

    /// <summary>The MeterProvider (owned by this object).</summary>
    public MeterProvider MeterProvider => _sdk.MeterProvider;

    /// <summary>
    /// Builds the pipeline. <paramref name="configuration"/> supplies the OTEL_* settings; when
    /// null, the process environment is read. The caller owns the result and must dispose it.
    /// </summary>
    /// <exception cref="ArgumentException">The options are not usable (e.g. no service name).</exception>
    public static DiffusionTelemetry Create(DiffusionTelemetryOptions options, IConfiguration? configuration = null) =>
        CreateCore(options, configuration, hostLoggerProvider: null);

    internal static DiffusionTelemetry CreateCore(
        DiffusionTelemetryOptions options,
        IConfiguration? configuration,
        LoggerProvider? hostLoggerProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        configuration ??= new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var export = TelemetryExportSettings.Resolve(configuration);
        var sources = options.TracingSources.ToArray();
        var meters = options.Meters.ToArray();

        var sdk = OpenTelemetrySdk.Create(otel =>
        {
            // The SDK and the exporter read every OTEL_* setting from the IConfiguration in their
            // own service collection, which defaults to the process environment. Registering the
            // caller's configuration (the host's, for a service) makes appsettings, command-line
            // and test overrides apply too. Added after the SDK's TryAdd, so this one wins.
            otel.Services.AddSingleton(configuration);

            otel.WithTracing(tracing =>
            {
                tracing
                    .SetResourceBuilder(DiffusionResource.CreateBuilder(options))
                    .AddSource(sources)
                    .SetErrorStatusOnException();
                if (export.Traces.Enabled)
                {
                    tracing.AddOtlpExporter(exporter =>
                    {
                        export.Traces.Overrides.ApplyTo(exporter);
                        if (options.ExportScheduleDelay is { } delay)
                        {
                            exporter.BatchExportProcessorOptions.ScheduledDelayMilliseconds = ToMilliseconds(delay);
                        }
                    });
                }
            });

            otel.WithMetrics(metrics =>
            {
                metrics
                    .SetResourceBuilder(DiffusionResource.CreateBuilder(options))
                    .AddMeter(meters);
                if (export.Metrics.Enabled)
                {
                    metrics.AddOtlpExporter((exporter, reader) =>
                    {
                        export.Metrics.Overrides.ApplyTo(exporter);
                        if (options.MetricExportInterval is { } interval)
                        {
                            reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = ToMilliseconds(interval);
                        }
                    });
                }
            });
        });

        return new DiffusionTelemetry(sdk, export, hostLoggerProvider, options.ServiceName);
    }

    /// <summary>
    /// Exports everything buffered now: finished spans, the current metric values, and (in a host
    /// with log export on) pending log records. Blocks until the exports complete or
    /// <paramref name="timeout"/> runs out; returns whether all of them succeeded.
    /// </summary>
    public bool ForceFlush(TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        int Remaining()
        {
            if (timeout == Timeout.InfiniteTimeSpan)
            {
                return Timeout.Infinite;
            }

            return (int)Math.Clamp((timeout - stopwatch.Elapsed).TotalMilliseconds, 0, int.MaxValue);
        }

        // Each flush is attempted even when an earlier one failed, so one stuck signal does not
        // hold back the others.
        var traces = _sdk.TracerProvider.ForceFlush(Remaining());
        var metrics = _sdk.MeterProvider.ForceFlush(Remaining());
        var logs = _hostLoggerProvider?.ForceFlush(Remaining()) ?? true;
        return traces && metrics && logs;
    }

    /// <summary>Flushes and shuts down both providers (span and metric exports included).</summary>
    public void Dispose() => _sdk.Dispose();

    private static int ToMilliseconds(TimeSpan value) => (int)Math.Ceiling(value.TotalMilliseconds);
}
