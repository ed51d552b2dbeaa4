using System.Text.Json;
using Diffusion.Grpc.Client;
using Diffusion.Grpc.Testing;

namespace Diffusion.Grpc.InteropTests;

/// <summary>
/// The interop cases in both directions against real gRPC implementations: their client against our
/// server, and our client against their server. A missing peer fails the test with the install step.
/// </summary>
public sealed class InteropTests
{
    public static TheoryData<PeerKind, string> PeerCases()
    {
        var data = new TheoryData<PeerKind, string>();
        foreach (var kind in new[] { PeerKind.Grpcio, PeerKind.GrpcJs })
        {
            foreach (var name in InteropClient.Cases)
            {
                data.Add(kind, name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PeerCases))]
    public async Task InteropCase_TheirClientToOurServer_Passes(PeerKind peer, string name)
    {
        var service = new InteropTestService();
        await using var server = await TestServerHost.StartAsync(service.Map);

        var result = await PeerProcess.RunClientAsync(peer, ["client", "--target", $"127.0.0.1:{server.Port}", "--cases", name], TimeSpan.FromSeconds(60));

        var line = Assert.Single(result.Lines, l => l.StartsWith('{'));
        using var json = JsonDocument.Parse(line);
        Assert.True(json.RootElement.GetProperty("ok").GetBoolean(),
            $"{peer} client, case {name}: {(json.RootElement.TryGetProperty("error", out var e) ? e.GetString() : "")}\n{result.Stderr}");
        if (name == "cancel_after_first_response")
        {
            Assert.True(await service.WaitForCancellationsAsync(1, TimeSpan.FromSeconds(5)),
                "our server's handler never saw the client's cancellation");
        }
    }

    [Theory]
    [MemberData(nameof(PeerCases))]
    public async Task InteropCase_OurClientToTheirServer_Passes(PeerKind peer, string name)
    {
        await using var server = await PeerProcess.StartServerAsync(peer);
        using var channel = GrpcChannel.ForAddress($"http://{server.Target}");

        await InteropClient.RunAsync(name, channel.CallInvoker);
    }
}
