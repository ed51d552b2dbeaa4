using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Diffusion.Gateway.Tests.Fakes;
using Diffusion.Gateway.Tests.Support;
using Diffusion.Grpc;

namespace Diffusion.Gateway.Tests;

/// <summary>A denoising stream that breaks resumes from its last checkpoint, and the image is the
/// one the uninterrupted run gives, bit for bit.</summary>
public sealed class FailoverTests
{
    [Fact]
    public async Task Generate_ReplicaKilledMidStream_ResumesOnTheOtherFromLastCheckpoint()
    {
        await using var harness = await GatewayHarness.StartAsync(new HarnessSettings { Denoisers = 2 });
        int killed = -1;
        for (int i = 0; i < 2; i++)
        {
            int index = i;
            // Whichever replica takes the run dies after its third step: stream reset, replica gone.
            harness.Denoisers[i].KillAfterCheckpoint = step => step == 3 && Interlocked.CompareExchange(ref killed, index, -1) == -1;
            harness.Denoisers[i].OnKilled = () => _ = harness.DenoiserHosts[index].StopAsync();
        }
        var request = GatewayHarness.Request();
        request.Steps = 6;

        var response = await harness.GenerateAsync(request);

        Assert.Equal(1, response.Failovers);
        var victim = harness.Denoisers[killed];
        var survivor = harness.Denoisers[1 - killed];
        var original = Assert.Single(victim.Calls).Request;
        Assert.Null(original.Resume);
        var resumed = Assert.Single(survivor.Calls).Request;
        Assert.Equal(victim.SentCheckpoints.Last(), resumed.Resume);
        Assert.Equal(3, resumed.Resume.Step);
        var withoutResume = resumed.Clone();
        withoutResume.Resume = null;
        Assert.Equal(original, withoutResume); // every original field, the same seed

        // The survivor alone now runs the same request from scratch: the same image, bit for bit.
        var uninterrupted = await harness.GenerateAsync(request);
        Assert.Equal(0, uninterrupted.Failovers);
        Assert.Equal(uninterrupted.Images[0], response.Images[0]);
    }

    [Fact]
    public async Task Generate_StreamResetOnLoneReplica_ResumesThereWithTheSameResult()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var denoiser = harness.Denoisers[0];
        int kills = 1;
        denoiser.KillAfterCheckpoint = step => step == 2 && Interlocked.Exchange(ref kills, 0) == 1;
        var request = GatewayHarness.Request(seed: 99);
        request.Steps = 5;

        var broken = await harness.GenerateAsync(request);
        var clean = await harness.GenerateAsync(request);

        Assert.Equal(1, broken.Failovers);
        var calls = denoiser.Calls.Select(c => c.Request).ToArray();
        Assert.Equal(3, calls.Length);
        Assert.Equal(2, calls[1].Resume.Step);
        Assert.Equal(clean.Images[0], broken.Images[0]);
    }

    [Fact]
    public async Task Generate_UnavailableMidStream_FailsOverCountingEachBreak()
    {
        await using var harness = await GatewayHarness.StartAsync();
        int breaks = 2;
        harness.Denoisers[0].FailAfterCheckpoint = step =>
            step is 1 or 3 && Interlocked.Decrement(ref breaks) >= 0 ? Faults.Unavailable("node drained") : null;
        var request = GatewayHarness.Request();
        request.Steps = 4;

        var response = await harness.GenerateAsync(request);

        Assert.Equal(2, response.Failovers);
        Assert.Equal([0, 1, 3], harness.Denoisers[0].Calls.Select(c => c.Request.Resume?.Step ?? 0));
    }

    [Fact]
    public async Task Generate_BreaksBeyondTheAttempts_UnavailableNamingTheDenoiser()
    {
        await using var harness = await GatewayHarness.StartAsync();
        harness.Denoisers[0].FailAfterCheckpoint = _ => Faults.Unavailable("gpu lost");
        var request = GatewayHarness.Request();
        request.Steps = 6;

        var error = await harness.GenerateFailsAsync(request);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal("denoiser unavailable after 3 attempts: the stream broke after step 3 (UNAVAILABLE: gpu lost)", error.Status.Detail);
    }

    [Fact]
    public async Task Generate_InvalidArgumentMidStream_NotResumed()
    {
        await using var harness = await GatewayHarness.StartAsync();
        harness.Denoisers[0].FailAfterCheckpoint = _ => Faults.Status(StatusCode.InvalidArgument, "latents became NaN");

        var error = await harness.GenerateFailsAsync(GatewayHarness.Request());

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Single(harness.Denoisers[0].Calls);
    }

    [Fact]
    public async Task GenerateStream_FailoverMidStream_ProgressContinuesToTheResult()
    {
        await using var harness = await GatewayHarness.StartAsync();
        int kills = 1;
        harness.Denoisers[0].KillAfterCheckpoint = step => step == 2 && Interlocked.Exchange(ref kills, 0) == 1;
        var request = GatewayHarness.Request();
        request.Steps = 4;

        using var call = harness.Client.CallInvoker.ServerStreaming(GatewayMethods.GenerateStream, request, GatewayHarness.Options());
        var events = new List<GenerateEvent>();
        await foreach (var ev in call.ReadAllAsync())
            events.Add(ev);

        Assert.Equal([1, 2, 3, 4], events.Where(e => e.Progress is not null).Select(e => e.Progress.Step));
        Assert.Equal(1, events[^1].Result.Failovers);
    }
}
