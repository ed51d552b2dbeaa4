using Diffusion.Testing.Otlp.Protocol.Collector.Logs;
using Diffusion.Testing.Otlp.Protocol.Collector.Metrics;
using Diffusion.Testing.Otlp.Protocol.Collector.Trace;

namespace Diffusion.Testing.Otlp.Internal;

/// <summary>Everything the receiver has accepted, one store per kind, and the decoding into them.</summary>
internal sealed class ReceivedTelemetry
{
    public ItemStore<ReceivedSpan> Spans { get; } = new("span");

    public ItemStore<ReceivedMetricPoint> MetricPoints { get; } = new("metric point");

    public ItemStore<ReceivedLogRecord> LogRecords { get; } = new("log record");

    public ItemStore<ReceivedExport> Exports { get; } = new("export request");

    /// <summary>
    /// Decodes one Export*ServiceRequest and stores its items. Malformed protobuf throws
    /// <see cref="Google.Protobuf.InvalidProtocolBufferException"/>; structurally invalid data
    /// (e.g. a 3-byte span id) throws <see cref="InvalidDataException"/>. Nothing is stored then.
    /// </summary>
    public void Accept(OtlpSignal signal, byte[] message, Func<int, ReceivedExport> describeExport)
    {
        ReceivedExport? export = null;
        ReceivedExport Describe(int count) => export = describeExport(count);

        switch (signal)
        {
            case OtlpSignal.Traces:
                var spans = SpanDecoder.Decode(ExportTraceServiceRequest.Parser.ParseFrom(message), Describe);
                Spans.AddRange(spans);
                break;
            case OtlpSignal.Metrics:
                var points = MetricDecoder.Decode(ExportMetricsServiceRequest.Parser.ParseFrom(message), Describe);
                MetricPoints.AddRange(points);
                break;
            case OtlpSignal.Logs:
                var records = LogDecoder.Decode(ExportLogsServiceRequest.Parser.ParseFrom(message), Describe);
                LogRecords.AddRange(records);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(signal), signal, "Unknown OTLP signal.");
        }

        // Recorded after the items so that a test which sees the export also sees its items.
        Exports.AddRange([export!]);
    }

    public void Clear()
    {
        Spans.Clear();
        MetricPoints.Clear();
        LogRecords.Clear();
        Exports.Clear();
    }
}
