using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Diffusion.ServiceDefaults.Tests.Support;

/// <summary>
/// Collects the warnings and errors the OpenTelemetry SDK and exporter report on their
/// EventSources (failed exports, bad settings): what an operator enabling OpenTelemetry
/// self-diagnostics would see.
/// </summary>
internal sealed class OpenTelemetryDiagnostics : EventListener
{
    // Raised once per instrument of every meter a MeterProvider does not listen to (the
    // receiver's, the runtime's); its own text says it can be ignored.
    private const string IgnorableEvent = "MetricInstrumentIgnored";

    private readonly ConcurrentQueue<string> _problems = new();

    public IReadOnlyCollection<string> Problems => _problems.ToArray();

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name.StartsWith("OpenTelemetry", StringComparison.Ordinal))
        {
            EnableEvents(eventSource, EventLevel.Warning);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.Level is EventLevel.Warning or EventLevel.Error or EventLevel.Critical
            && eventData.EventName != IgnorableEvent)
        {
            var payload = eventData.Payload is null ? string.Empty : string.Join(" | ", eventData.Payload);
            _problems.Enqueue($"{eventData.EventSource.Name} {eventData.Level} {eventData.EventName}: {payload}");
        }
    }
}
