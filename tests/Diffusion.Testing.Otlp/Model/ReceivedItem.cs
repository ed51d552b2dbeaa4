namespace Diffusion.Testing.Otlp;

/// <summary>
/// What every decoded span, metric point and log record carries besides its own data: the
/// resource that produced it, the instrumentation scope, and the export that delivered it.
/// </summary>
public abstract class ReceivedItem
{
    /// <summary>The OTLP resource attribute that names the service.</summary>
    public const string ServiceNameAttribute = "service.name";

    /// <summary>Resource attributes (<c>service.name</c>, <c>telemetry.sdk.*</c>, ...), decoded as
    /// described on <see cref="ReceivedSpan.Attributes"/>.</summary>
    public required IReadOnlyDictionary<string, object?> ResourceAttributes { get; init; }

    /// <summary>The instrumentation scope: an ActivitySource or Meter name, or a logger category.</summary>
    public required string ScopeName { get; init; }

    /// <summary>The scope version; empty when the producer set none.</summary>
    public required string ScopeVersion { get; init; }

    /// <summary>The export request that delivered this item.</summary>
    public required ReceivedExport Export { get; init; }

    /// <summary>The resource's <c>service.name</c>, or null when it is missing or not a string.</summary>
    public string? ServiceName =>
        ResourceAttributes.TryGetValue(ServiceNameAttribute, out var value) ? value as string : null;
}
