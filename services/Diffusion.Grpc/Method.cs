using Google.Protobuf;

namespace Diffusion.Grpc;

/// <summary>The kinds of call the transport carries.</summary>
public enum MethodType
{
    /// <summary>One request, one response.</summary>
    Unary,

    /// <summary>One request, a stream of responses.</summary>
    ServerStreaming,

    /// <summary>A stream of requests and a stream of responses, interleaved freely.</summary>
    DuplexStreaming,
}

/// <summary>
/// Describes one gRPC method: its kind, its path on the wire ("/package.Service/Method") and how its
/// protobuf messages are parsed. Create one per method and share it between client and server.
/// </summary>
public sealed class Method<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    /// <param name="type">The call kind.</param>
    /// <param name="serviceName">Fully-qualified service name, e.g. "diffusion.v1.Denoiser".</param>
    /// <param name="name">Method name, e.g. "Denoise".</param>
    /// <param name="requestParser">Parser of request messages (the generated <c>TRequest.Parser</c>).</param>
    /// <param name="responseParser">Parser of response messages (the generated <c>TResponse.Parser</c>).</param>
    public Method(MethodType type, string serviceName, string name,
        MessageParser<TRequest> requestParser, MessageParser<TResponse> responseParser)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceName);
        ArgumentException.ThrowIfNullOrEmpty(name);
        Type = type;
        ServiceName = serviceName;
        Name = name;
        FullName = "/" + serviceName + "/" + name;
        RequestParser = requestParser ?? throw new ArgumentNullException(nameof(requestParser));
        ResponseParser = responseParser ?? throw new ArgumentNullException(nameof(responseParser));
    }

    public MethodType Type { get; }

    /// <summary>Fully-qualified service name, e.g. "diffusion.v1.Denoiser".</summary>
    public string ServiceName { get; }

    /// <summary>Method name, e.g. "Denoise".</summary>
    public string Name { get; }

    /// <summary>The HTTP/2 :path of the method, e.g. "/diffusion.v1.Denoiser/Denoise".</summary>
    public string FullName { get; }

    public MessageParser<TRequest> RequestParser { get; }

    public MessageParser<TResponse> ResponseParser { get; }

    public override string ToString() => FullName;
}
