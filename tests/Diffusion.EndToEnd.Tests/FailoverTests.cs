using Diffusion.Cli.Commands;
using Diffusion.Cli.Local;
using Diffusion.Contracts.V1;
using Diffusion.Pipelines.Generation;
using Xunit.Abstractions;

namespace Diffusion.EndToEnd.Tests;

/// <summary>Denoiser replicas killed with kill -9: the gateway retries on a healthy replica and the
/// image is the one an undisturbed run gives.</summary>
public sealed class FailoverTests(ITestOutputHelper output)
{
    private static GenerateRequest Request(long seed) => new()
    {
        Prompt = "a lighthouse in a storm",
        NegativePrompt = "blurry",
        Steps = 6,
        Seed = seed,
        Scheduler = "EulerAncestralDiscreteScheduler",
        RawOutput = true,
    };

    [Fact]
    public async Task Generate_ReplicaKilledBeforeCalls_EveryRequestServedByHealthyReplica()
    {
        await using var stack = await LocalStack.StartAsync(StackFixture.ModelDir, "cpu", "f32", output.WriteLine,
            TimeSpan.FromMinutes(3), CancellationToken.None, denoiserReplicas: 2);
        var victim = stack.Denoisers.First();
        victim.KillHard();
        output.WriteLine($"killed denoiser pid {victim.Pid} ({victim.Url})");

        using var local = new InProcess(StackFixture.ModelDir);
        using var client = new GatewayClient(stack.GatewayUrl, null);
        for (int i = 0; i < 4; i++)
        {
            var response = await client.GenerateAsync(Request(40 + i), TimeSpan.FromMinutes(1), _ => { }, CancellationToken.None);
            var expected = await local.Pipeline.GenerateAsync(new GenerationRequest
            {
                Prompts = ["a lighthouse in a storm"],
                NegativePrompts = ["blurry"],
                Steps = 6,
                Seed = 40 + i,
                Scheduler = "EulerAncestralDiscreteScheduler",
                Width = local.DefaultSize,
                Height = local.DefaultSize,
            });
            Comparison.AssertClose(expected.Image, Contracts.Tensors.ToFloats(response.RawImage), 0, $"request {i} vs undisturbed in-process run");
        }
    }
}
