namespace Diffusion.Grpc.Client;

/// <summary>Per-call options.</summary>
public readonly record struct CallOptions
{
    /// <summary>
    /// When the call must end (UTC). Sent as grpc-timeout so the server can stop too; when it passes the
    /// call ends with DEADLINE_EXCEEDED and the HTTP/2 stream is reset.
    /// </summary>
    public DateTime? Deadline { get; init; }

    /// <summary>Cancels the call: it ends with CANCELLED and the HTTP/2 stream is reset, so the server sees it.</summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>Custom request metadata.</summary>
    public Metadata? Headers { get; init; }

    /// <summary>"gzip" to compress request messages, or null (the default) to send them as they are.</summary>
    public string? RequestCompression { get; init; }

    /// <summary>A deadline <paramref name="timeout"/> from now.</summary>
    public static CallOptions WithTimeout(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        new() { Deadline = DateTime.UtcNow + timeout, CancellationToken = cancellationToken };
}
