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

        // (A 1 ms deadline may expire before the request leaves, so only the cancel case must reach the handler;
        // CallBehaviorTests covers deadline propagation with a deadline the request outlives.)
        if (name == "cancel_after_first_response")
        {
            Assert.True(await _service.WaitForCancellationsAsync(1, TimeSpan.FromSeconds(5)), "the server handler never saw the cancellation");
        }
    }
}
