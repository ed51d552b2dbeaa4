using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Diffusion.Grpc;
using Diffusion.Grpc.Client;

namespace Diffusion.Cli.Commands;

/// <summary>Calls the gateway's GenerateStream and reports progress as it comes.</summary>
internal sealed class GatewayClient(string url, string? apiKey) : IDisposable
{
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions { MaxReceiveMessageSize = 512 * 1024 * 1024 });

    public async Task<GenerateResponse> GenerateAsync(GenerateRequest request, TimeSpan timeout, Action<Progress> onProgress,
        CancellationToken cancellationToken)
    {
        var headers = new Metadata();
        if (!string.IsNullOrEmpty(apiKey)) headers.Add("authorization", "Bearer " + apiKey);
        using var call = _channel.CallInvoker.ServerStreaming(GatewayMethods.GenerateStream, request,
            new CallOptions { Deadline = DateTime.UtcNow + timeout, CancellationToken = cancellationToken, Headers = headers });
        GenerateResponse? result = null;
        await foreach (var ev in call.ReadAllAsync(cancellationToken))
        {
            switch (ev.EventCase)
            {
                case GenerateEvent.EventOneofCase.Progress:
                    onProgress(ev.Progress);
                    break;
                case GenerateEvent.EventOneofCase.Result:
                    result = ev.Result;
                    break;
            }
        }
        return result ?? throw new RpcException(new Status(StatusCode.Internal, "the gateway ended the stream without a result"));
    }

    public void Dispose() => _channel.Dispose();
}
