using Diffusion.Testing.Otlp.Protocol.Collector.Logs;
using Diffusion.Testing.Otlp.Protocol.Logs;

namespace Diffusion.Testing.Otlp.Internal;

/// <summary>Flattens an ExportLogsServiceRequest into <see cref="ReceivedLogRecord"/>s.</summary>
internal static class LogDecoder
{
    public static List<ReceivedLogRecord> Decode(ExportLogsServiceRequest request, Func<int, ReceivedExport> export)
    {
        var records = new List<(ResourceLogs Resource, ScopeLogs Scope, LogRecord Record)>();
        foreach (var resourceLogs in request.ResourceLogs)
        {
            foreach (var scopeLogs in resourceLogs.ScopeLogs)
            {
                foreach (var record in scopeLogs.LogRecords)
                {
                    records.Add((resourceLogs, scopeLogs, record));
                }
            }
        }

        var exportInfo = export(records.Count);
        return records
            .Select(item => new ReceivedLogRecord
            {
                ResourceAttributes = AttributeDecoder.Decode(item.Resource.Resource?.Attributes ?? []),
                ScopeName = item.Scope.Scope?.Name ?? string.Empty,
                ScopeVersion = item.Scope.Scope?.Version ?? string.Empty,
                Export = exportInfo,
                TimeUnixNano = item.Record.TimeUnixNano,
                ObservedTimeUnixNano = item.Record.ObservedTimeUnixNano,
                SeverityNumber = (int)item.Record.SeverityNumber,
                SeverityText = item.Record.SeverityText,
                Body = AttributeDecoder.Decode(item.Record.Body),
                Attributes = AttributeDecoder.Decode(item.Record.Attributes),
                TraceId = AttributeDecoder.Id(item.Record.TraceId),
                SpanId = AttributeDecoder.Id(item.Record.SpanId),
                EventName = item.Record.EventName,
            })
            .ToList();
    }
}
