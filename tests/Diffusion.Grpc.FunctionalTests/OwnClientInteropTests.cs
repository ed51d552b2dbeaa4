using Diffusion.Grpc.Client;
using Diffusion.Grpc.Testing;

namespace Diffusion.Grpc.FunctionalTests;

/// <summary>Every interop case with our client against our server, in-process over loopback h2c.</summary>
public sealed class OwnClientInteropTests : IAsyncLifetime
{
    private readonly InteropTestService _service = new();
    private TestServerHost _server = null!;
    private GrpcChannel _channel = null!;

    public static TheoryData<string> Cases => [.. InteropClient.Cases];

    public async Task InitializeAsync()
    {
        _server = await TestServerHost.StartAsync(_service.Map);
        _channel = GrpcChannel.ForAddress(_server.Address);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _server.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task InteropCase_OwnClientToOwnServer_Passes(string name)
    {
        await InteropClient.RunAsync(name, _channel.CallInvoker);

        if (name is "cancel_after_first_response" or "timeout_on_sleeping_server")
        {
            Assert.True(await _service.WaitForCancellationsAsync(1, TimeSpan.FromSeconds(5)), "the server handler never saw the cancellation");
        }
    }
}
