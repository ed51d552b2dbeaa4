using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Diffusion.Testing.Otlp.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Diffusion.Testing.Otlp;

/// <summary>
/// An in-process OTLP endpoint for tests: Kestrel on 127.0.0.1 accepting OTLP/HTTP binary protobuf
/// (<c>POST /v1/traces</c>, <c>/v1/metrics</c>, <c>/v1/logs</c>, gzip or not) on
/// <see cref="HttpEndpoint"/> and OTLP/gRPC (the three collector <c>Export</c> methods, identity or
/// gzip) on <see cref="GrpcEndpoint"/>, decoding everything into <see cref="ReceivedSpan"/>,
/// <see cref="ReceivedMetricPoint"/> and <see cref="ReceivedLogRecord"/>.
/// </summary>
/// <remarks>
/// Two ephemeral ports, because Kestrel serves cleartext HTTP/2 (what gRPC clients speak to an
/// http:// address: prior knowledge, no upgrade) only on an HTTP/2-only endpoint; on an
/// HTTP/1.1-and-HTTP/2 endpoint without TLS it picks HTTP/1.1 and refuses the HTTP/2 preface with
/// HTTP_1_1_REQUIRED. Point an exporter at <see cref="EndpointFor(string)"/> of its protocol
/// (OTEL_EXPORTER_OTLP_ENDPOINT), or at <see cref="TracesEndpoint"/> and friends (the per-signal
/// variables of http/protobuf). The
/// receiver hides its own server from the process's telemetry: its hosting Activities come from a
/// private ActivitySource and its meters are renamed, so a TracerProvider listening to
/// <c>Microsoft.AspNetCore</c> does not record a span for every export it receives.
/// Dispose it to stop the server.
/// </remarks>
public sealed class OtlpReceiver : IAsyncDisposable
{
    /// <summary>The name of the private ActivitySource and DiagnosticListener the receiver's own
    /// hosting layer uses instead of <c>Microsoft.AspNetCore</c>.</summary>
    public const string PrivateDiagnosticsName = "OtlpReceiver.Private.Hosting";

    /// <summary>How long the wait methods wait when no timeout is given.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly WebApplication _app;
    private readonly ReceivedTelemetry _telemetry;
    private int _disposed;

    private OtlpReceiver(WebApplication app, ReceivedTelemetry telemetry, Uri httpEndpoint, Uri grpcEndpoint)
    {
        _app = app;
        _telemetry = telemetry;
        HttpEndpoint = httpEndpoint;
        GrpcEndpoint = grpcEndpoint;
    }

    /// <summary>The OTLP/HTTP base address, <c>http://127.0.0.1:{port}/</c> (HTTP/1.1): the
    /// OTEL_EXPORTER_OTLP_ENDPOINT value for the <c>http/protobuf</c> protocol.</summary>
    public Uri HttpEndpoint { get; }

    /// <summary>The OTLP/gRPC address, <c>http://127.0.0.1:{port}/</c> (HTTP/2 cleartext): the
    /// OTEL_EXPORTER_OTLP_ENDPOINT value for the <c>grpc</c> protocol.</summary>
    public Uri GrpcEndpoint { get; }

    /// <summary>The full OTLP/HTTP traces URL (<c>/v1/traces</c>), for OTEL_EXPORTER_OTLP_TRACES_ENDPOINT.</summary>
    public Uri TracesEndpoint => new(HttpEndpoint, "v1/traces");

    /// <summary>The full OTLP/HTTP metrics URL (<c>/v1/metrics</c>), for OTEL_EXPORTER_OTLP_METRICS_ENDPOINT.</summary>
    public Uri MetricsEndpoint => new(HttpEndpoint, "v1/metrics");

    /// <summary>The full OTLP/HTTP logs URL (<c>/v1/logs</c>), for OTEL_EXPORTER_OTLP_LOGS_ENDPOINT.</summary>
    public Uri LogsEndpoint => new(HttpEndpoint, "v1/logs");

    /// <summary>A snapshot of every span received so far, in arrival order.</summary>
    public IReadOnlyList<ReceivedSpan> Spans => _telemetry.Spans.Snapshot();

    /// <summary>A snapshot of every metric data point received so far, in arrival order.</summary>
    public IReadOnlyList<ReceivedMetricPoint> MetricPoints => _telemetry.MetricPoints.Snapshot();

    /// <summary>A snapshot of every log record received so far, in arrival order.</summary>
    public IReadOnlyList<ReceivedLogRecord> LogRecords => _telemetry.LogRecords.Snapshot();

    /// <summary>A snapshot of every accepted export request (rejected ones are not listed).</summary>
    public IReadOnlyList<ReceivedExport> Exports => _telemetry.Exports.Snapshot();

    /// <summary>The base endpoint for an exporter using <paramref name="transport"/>.</summary>
    public Uri EndpointFor(OtlpTransport transport) => transport switch
    {
        OtlpTransport.HttpProtobuf => HttpEndpoint,
        OtlpTransport.Grpc => GrpcEndpoint,
        _ => throw new ArgumentOutOfRangeException(nameof(transport), transport, "Unknown OTLP transport."),
    };

    /// <summary>The base endpoint for an OTEL_EXPORTER_OTLP_PROTOCOL value: <c>grpc</c> or <c>http/protobuf</c>.</summary>
    /// <exception cref="ArgumentException">Any other protocol name.</exception>
    public Uri EndpointFor(string protocol) => protocol switch
    {
        "grpc" => GrpcEndpoint,
        "http/protobuf" => HttpEndpoint,
        _ => throw new ArgumentException($"Unknown OTLP protocol '{protocol}' (expected grpc or http/protobuf).", nameof(protocol)),
    };

    /// <summary>Starts a receiver on two free loopback ports.</summary>
    public static async Task<OtlpReceiver> StartAsync(CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            // Listen order fixes the order of the server addresses read back below.
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Limits.MaxRequestBodySize = PayloadReader.MaxMessageBytes + GrpcWire.FrameHeaderBytes;
        });

        // Registered after the web host's defaults, so these win: see the class remarks.
        builder.Services.AddSingleton(_ => new ActivitySource(PrivateDiagnosticsName));
        builder.Services.AddSingleton(_ => new DiagnosticListener(PrivateDiagnosticsName));
        builder.Services.AddSingleton<DiagnosticSource>(sp => sp.GetRequiredService<DiagnosticListener>());
        builder.Services.AddSingleton<IMeterFactory, PrivateMeterFactory>();

        var app = builder.Build();
        var telemetry = new ReceivedTelemetry();
        app.Run(new OtlpRequestHandler(telemetry).HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var addresses = app.Services.GetRequiredService<IServer>().Features
                .GetRequiredFeature<IServerAddressesFeature>().Addresses
                .Select(address => new Uri(address.TrimEnd('/') + "/"))
                .ToArray();
            if (addresses.Length != 2)
            {
                throw new InvalidOperationException($"Expected two bound addresses, got: {string.Join(", ", addresses.Select(a => a.ToString()))}.");
            }

            return new OtlpReceiver(app, telemetry, httpEndpoint: addresses[0], grpcEndpoint: addresses[1]);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Waits until at least <paramref name="count"/> received spans satisfy <paramref name="predicate"/>
    /// and returns all that do (at least <paramref name="count"/>, in arrival order).
    /// </summary>
    /// <exception cref="TimeoutException">Not enough matched within <paramref name="timeout"/>
    /// (default <see cref="DefaultTimeout"/>); the message lists what did arrive.</exception>
    public Task<IReadOnlyList<ReceivedSpan>> WaitForSpansAsync(
        Func<ReceivedSpan, bool> predicate,
        int count = 1,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default) =>
        _telemetry.Spans.WaitAsync(predicate, count, timeout ?? DefaultTimeout, cancellationToken);

    /// <summary>As <see cref="WaitForSpansAsync"/>, for metric data points.</summary>
    /// <exception cref="TimeoutException">Not enough matched in time.</exception>
    public Task<IReadOnlyList<ReceivedMetricPoint>> WaitForMetricPointsAsync(
        Func<ReceivedMetricPoint, bool> predicate,
        int count = 1,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default) =>
        _telemetry.MetricPoints.WaitAsync(predicate, count, timeout ?? DefaultTimeout, cancellationToken);

    /// <summary>As <see cref="WaitForSpansAsync"/>, for log records.</summary>
    /// <exception cref="TimeoutException">Not enough matched in time.</exception>
    public Task<IReadOnlyList<ReceivedLogRecord>> WaitForLogRecordsAsync(
        Func<ReceivedLogRecord, bool> predicate,
        int count = 1,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default) =>
        _telemetry.LogRecords.WaitAsync(predicate, count, timeout ?? DefaultTimeout, cancellationToken);

    /// <summary>As <see cref="WaitForSpansAsync"/>, for accepted export requests.</summary>
    /// <exception cref="TimeoutException">Not enough matched in time.</exception>
    public Task<IReadOnlyList<ReceivedExport>> WaitForExportsAsync(
        Func<ReceivedExport, bool> predicate,
        int count = 1,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default) =>
        _telemetry.Exports.WaitAsync(predicate, count, timeout ?? DefaultTimeout, cancellationToken);

    /// <summary>Forgets everything received so far.</summary>
    public void Clear() => _telemetry.Clear();

    /// <summary>Stops the server and releases the port.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
