using System.Diagnostics;
using Diffusion.Cli.Commands;
using Diffusion.Contracts.V1;
using Diffusion.Grpc;
using Xunit.Abstractions;

namespace Diffusion.Reliability.Tests;

/// <summary>kill -9 of the real text encoder: Generate answers UNAVAILABLE naming the service within a bound;
/// after the service is replaced at its address the gateway serves again (the breaker closes).</summary>
[Collection(ReliabilityCollection.Name)]
public sealed class DownstreamDownTests(ReliabilityStack fixture, ITestOutputHelper output)
{
    private static GenerateRequest Request(long seed) => new() { Prompt = "a blue sphere " + seed, Steps = 2, Seed = seed };

    [Fact]
    public async Task TextEncoderKilled_UnavailableNamingIt_ThenServesAfterReplacement()
    {
        var stack = fixture.Stack;
        using var client = new GatewayClient(stack.GatewayUrl, ReliabilityStack.ApiKey);
        await client.GenerateAsync(Request(1), TimeSpan.FromMinutes(1), _ => { }, CancellationToken.None);

        var encoder = stack.Processes.First(p => p.Name == "text-encoder");
        encoder.KillHard();
        var watch = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            client.GenerateAsync(Request(2), TimeSpan.FromMinutes(1), _ => { }, CancellationToken.None));
        output.WriteLine($"after kill -9: {ex.StatusCode} '{ex.Status.Detail}' in {watch.Elapsed.TotalSeconds:F2} s");
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Contains("text", ex.Status.Detail, StringComparison.OrdinalIgnoreCase);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"UNAVAILABLE took {watch.Elapsed}");

        await stack.ReplaceAsync(encoder, TimeSpan.FromMinutes(2), CancellationToken.None);
        watch.Restart();
        GenerateResponse? served = null;
        while (served is null && watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            try { served = await client.GenerateAsync(Request(3), TimeSpan.FromMinutes(1), _ => { }, CancellationToken.None); }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable) { await Task.Delay(250); }
        }
        output.WriteLine($"served again {watch.Elapsed.TotalSeconds:F2} s after the replacement was healthy");
        Assert.NotNull(served);
    }
}
