namespace Diffusion.Testing.Otlp;

/// <summary>A decoded OTLP log record.</summary>
public sealed class ReceivedLogRecord : ReceivedItem
{
    /// <summary>When the event happened, nanoseconds since the Unix epoch (0 when unknown).</summary>
    public required ulong TimeUnixNano { get; init; }

    /// <summary>When the SDK observed the record, nanoseconds since the Unix epoch.</summary>
    public required ulong ObservedTimeUnixNano { get; init; }

    /// <summary>OTLP severity: 1-4 trace, 5-8 debug, 9-12 info, 13-16 warn, 17-20 error, 21-24 fatal.</summary>
    public required int SeverityNumber { get; init; }

    /// <summary>The producer's severity name (for .NET: the LogLevel name); empty when none.</summary>
    public required string SeverityText { get; init; }

    /// <summary>The body decoded as an attribute value (usually the formatted message string).</summary>
    public required object? Body { get; init; }

    /// <summary>Record attributes (for .NET: the message template's named values, and scopes).</summary>
    public required IReadOnlyDictionary<string, object?> Attributes { get; init; }

    /// <summary>The trace id in hex when the record was written inside a span, else null.</summary>
    public required string? TraceId { get; init; }

    /// <summary>The span id in hex when the record was written inside a span, else null.</summary>
    public required string? SpanId { get; init; }

    /// <summary>The event name; empty when none.</summary>
    public required string EventName { get; init; }

    /// <summary>The logger category (the instrumentation scope name).</summary>
    public string CategoryName => ScopeName;

    /// <inheritdoc />
    public override string ToString() =>
        $"{ServiceName}/{ScopeName} [{SeverityText}] {Body} trace={TraceId ?? "-"} span={SpanId ?? "-"}";
}
