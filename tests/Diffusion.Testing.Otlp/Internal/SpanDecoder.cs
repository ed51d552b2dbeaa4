using Diffusion.Testing.Otlp.Protocol.Collector.Trace;
using Diffusion.Testing.Otlp.Protocol.Trace;

namespace Diffusion.Testing.Otlp.Internal;

/// <summary>Flattens an ExportTraceServiceRequest into <see cref="ReceivedSpan"/>s.</summary>
internal static class SpanDecoder
{
    public static List<ReceivedSpan> Decode(ExportTraceServiceRequest request, Func<int, ReceivedExport> export)
    {
        var spans = new List<(ResourceSpans Resource, ScopeSpans Scope, Span Span)>();
        foreach (var resourceSpans in request.ResourceSpans)
        {
            foreach (var scopeSpans in resourceSpans.ScopeSpans)
            {
                foreach (var span in scopeSpans.Spans)
                {
                    spans.Add((resourceSpans, scopeSpans, span));
                }
            }
        }

        // The request summary needs the item count, so it is made once all items are known.
        var exportInfo = export(spans.Count);
        var result = new List<ReceivedSpan>(spans.Count);
        foreach (var (resource, scope, span) in spans)
        {
            result.Add(new ReceivedSpan
            {
                ResourceAttributes = AttributeDecoder.Decode(resource.Resource?.Attributes ?? []),
                ScopeName = scope.Scope?.Name ?? string.Empty,
                ScopeVersion = scope.Scope?.Version ?? string.Empty,
                Export = exportInfo,
                TraceId = RequireId(span.TraceId, 16, "trace_id"),
                SpanId = RequireId(span.SpanId, 8, "span_id"),
                ParentSpanId = AttributeDecoder.Id(span.ParentSpanId),
                TraceState = span.TraceState,
                Flags = span.Flags,
                Name = span.Name,
                Kind = (OtlpSpanKind)(int)span.Kind,
                StartTimeUnixNano = span.StartTimeUnixNano,
                EndTimeUnixNano = span.EndTimeUnixNano,
                Attributes = AttributeDecoder.Decode(span.Attributes),
                StatusCode = (OtlpStatusCode)(int)(span.Status?.Code ?? Status.Types.StatusCode.Unset),
                StatusMessage = span.Status?.Message ?? string.Empty,
                Events = span.Events
                    .Select(e => new ReceivedSpanEvent(e.Name, e.TimeUnixNano, AttributeDecoder.Decode(e.Attributes)))
                    .ToArray(),
                Links = span.Links
                    .Select(l => new ReceivedSpanLink(
                        RequireId(l.TraceId, 16, "link trace_id"),
                        RequireId(l.SpanId, 8, "link span_id"),
                        AttributeDecoder.Decode(l.Attributes)))
                    .ToArray(),
            });
        }

        return result;
    }

    // A malformed id is a producer bug the tests should hear about, not a silently odd string.
    private static string RequireId(Google.Protobuf.ByteString id, int length, string field) =>
        id.Length == length
            ? Convert.ToHexStringLower(id.Span)
            : throw new InvalidDataException($"Span {field} has {id.Length} bytes; OTLP requires {length}.");
}
