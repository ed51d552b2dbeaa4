using System.Diagnostics;
using Diffusion.Cli.Commands;
using Diffusion.Contracts.V1;
using Diffusion.Grpc;

namespace Diffusion.Reliability.Tests;

/// <summary>The real gateway started with an API key: no key or a wrong key gets UNAUTHENTICATED at once, the right one is served.</summary>
[Collection(ReliabilityCollection.Name)]
public sealed class ApiKeyTests(ReliabilityStack fixture)
{
    private static GenerateRequest Request() => new() { Prompt = "a red cube", Steps = 2, Seed = 1 };

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    public async Task Generate_WithoutOrWithWrongKey_UnauthenticatedQuickly(string? key)
    {
        using var client = new GatewayClient(fixture.Stack.GatewayUrl, key);
        var watch = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            client.GenerateAsync(Request(), TimeSpan.FromSeconds(30), _ => { }, CancellationToken.None));
        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
        Assert.DoesNotContain(ReliabilityStack.ApiKey, ex.Status.Detail);
    }

    [Fact]
    public async Task Generate_WithRightKey_Served()
    {
        using var client = new GatewayClient(fixture.Stack.GatewayUrl, ReliabilityStack.ApiKey);
        var result = await client.GenerateAsync(Request(), TimeSpan.FromMinutes(1), _ => { }, CancellationToken.None);
        Assert.NotNull(result);
    }
}
