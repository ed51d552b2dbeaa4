namespace Diffusion.Testing.Otlp;

/// <summary>A decoded OTLP span.</summary>
public sealed class ReceivedSpan : ReceivedItem
{
    /// <summary>32 lowercase hex digits, as <c>ActivityTraceId.ToHexString()</c> writes them.</summary>
    public required string TraceId { get; init; }

    /// <summary>16 lowercase hex digits, as <c>ActivitySpanId.ToHexString()</c> writes them.</summary>
    public required string SpanId { get; init; }

    /// <summary>The parent's span id in hex, or null for a root span.</summary>
    public required string? ParentSpanId { get; init; }

    /// <summary>The W3C tracestate; empty when none.</summary>
    public required string TraceState { get; init; }

    /// <summary>The OTLP span flags: W3C trace flags in the low byte; bit 8 set when bit 9 says
    /// whether the parent was remote.</summary>
    public required uint Flags { get; init; }

    /// <summary>The span name (an Activity's DisplayName).</summary>
    public required string Name { get; init; }

    /// <summary>The span kind.</summary>
    public required OtlpSpanKind Kind { get; init; }

    /// <summary>Start time, nanoseconds since the Unix epoch.</summary>
    public required ulong StartTimeUnixNano { get; init; }

    /// <summary>End time, nanoseconds since the Unix epoch.</summary>
    public required ulong EndTimeUnixNano { get; init; }

    /// <summary>
    /// Span attributes. Values are <see cref="string"/>, <see cref="bool"/>, <see cref="long"/>
    /// (every OTLP integer), <see cref="double"/>, <see cref="byte"/>[],
    /// <see cref="IReadOnlyList{T}"/> of object (arrays), a nested dictionary (key/value lists),
    /// or null for an empty value.
    /// </summary>
    public required IReadOnlyDictionary<string, object?> Attributes { get; init; }

    /// <summary>The span status code.</summary>
    public required OtlpStatusCode StatusCode { get; init; }

    /// <summary>The status description; empty when none.</summary>
    public required string StatusMessage { get; init; }

    /// <summary>Span events, in the order sent.</summary>
    public required IReadOnlyList<ReceivedSpanEvent> Events { get; init; }

    /// <summary>Links to other spans, in the order sent.</summary>
    public required IReadOnlyList<ReceivedSpanLink> Links { get; init; }

    /// <summary>Whether this span has no parent.</summary>
    public bool IsRoot => ParentSpanId is null;

    /// <summary>End minus start, at the 100 ns resolution of <see cref="TimeSpan"/>.</summary>
    public TimeSpan Duration => TimeSpan.FromTicks((long)(EndTimeUnixNano - StartTimeUnixNano) / 100);

    /// <inheritdoc />
    public override string ToString() =>
        $"{ServiceName}/{ScopeName} '{Name}' {Kind} trace={TraceId} span={SpanId} parent={ParentSpanId ?? "-"}";
}

/// <summary>A timestamped event recorded on a span.</summary>
/// <param name="Name">The event name.</param>
/// <param name="TimeUnixNano">Nanoseconds since the Unix epoch.</param>
/// <param name="Attributes">Event attributes, decoded as <see cref="ReceivedSpan.Attributes"/>.</param>
public sealed record ReceivedSpanEvent(
    string Name,
    ulong TimeUnixNano,
    IReadOnlyDictionary<string, object?> Attributes);

/// <summary>A link from a span to another span context.</summary>
/// <param name="TraceId">The linked trace id in hex.</param>
/// <param name="SpanId">The linked span id in hex.</param>
/// <param name="Attributes">Link attributes, decoded as <see cref="ReceivedSpan.Attributes"/>.</param>
public sealed record ReceivedSpanLink(
    string TraceId,
    string SpanId,
    IReadOnlyDictionary<string, object?> Attributes);

/// <summary>OTLP span kinds; the numbers are the wire values.</summary>
public enum OtlpSpanKind
{
    /// <summary>Not set by the producer.</summary>
    Unspecified = 0,

    /// <summary>An in-process operation.</summary>
    Internal = 1,

    /// <summary>The server side of a remote call.</summary>
    Server = 2,

    /// <summary>The client side of a remote call.</summary>
    Client = 3,

    /// <summary>The sender of an asynchronous message.</summary>
    Producer = 4,

    /// <summary>The receiver of an asynchronous message.</summary>
    Consumer = 5,
}

/// <summary>OTLP span status codes; the numbers are the wire values.</summary>
public enum OtlpStatusCode
{
    /// <summary>No status set (the default).</summary>
    Unset = 0,

    /// <summary>Explicitly marked successful.</summary>
    Ok = 1,

    /// <summary>The operation failed.</summary>
    Error = 2,
}
