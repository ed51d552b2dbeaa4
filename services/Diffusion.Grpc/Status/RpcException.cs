namespace Diffusion.Grpc;

/// <summary>
/// A call that ended with a non-OK status. Server handlers throw it to answer with that status (and
/// <see cref="Trailers"/>); clients receive it when the server (or the transport) ended the call so.
/// </summary>
public sealed class RpcException : Exception
{
    public RpcException(Status status)
        : this(status, new Metadata())
    {
    }

    public RpcException(Status status, Metadata trailers)
        : this(status, trailers, null)
    {
    }

    public RpcException(Status status, Metadata trailers, Exception? innerException)
        : base(status.ToString(), innerException)
    {
        Status = status;
        Trailers = trailers ?? throw new ArgumentNullException(nameof(trailers));
    }

    public Status Status { get; }

    public StatusCode StatusCode => Status.StatusCode;

    public string Detail => Status.Detail;

    /// <summary>The trailing metadata sent (server) or received (client) with the status.</summary>
    public Metadata Trailers { get; }
}
