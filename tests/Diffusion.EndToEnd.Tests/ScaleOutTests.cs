using System.Diagnostics;
using Diffusion.Cli.Commands;
using Diffusion.Cli.Local;
using Diffusion.Contracts;
using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Diffusion.Grpc;
using Diffusion.Grpc.Client;
using Diffusion.Pipelines.Generation;
using Diffusion.ServiceDefaults.Telemetry;
using Xunit.Abstractions;

namespace Diffusion.EndToEnd.Tests;

/// <summary>
/// Scale-out with real Denoiser processes on loopback: concurrent requests batched step by step give
/// the images they get alone; a replica killed with kill -9 at a random step loses nothing; a full
/// queue answers RESOURCE_EXHAUSTED at once. (A replica added while traffic runs is covered by
/// Diffusion.Deployment.Tests' GatewayDnsDiscoveryTests, with DNS address records.)
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ScaleOutTests(StackFixture stack, ITestOutputHelper output)
{
    private const string Prompt = "a lighthouse in a storm";

    private static GenerateRequest Request(long seed, int steps, string scheduler) => new()
    {
        Prompt = Prompt,
        NegativePrompt = "blurry",
        Steps = steps,
        Seed = seed,
        Scheduler = scheduler,
        RawOutput = true,
    };

    private const int Concurrent = 8, ConcurrentSteps = 10;

    /// <summary>The same 8 requests one at a time, then all at once.</summary>
    private static async Task<(GenerateResponse[] Alone, GenerateResponse[] Together, TimeSpan Sequential, TimeSpan Concurrent)> AloneAndTogetherAsync(string gatewayUrl)
    {
        using var client = new GatewayClient(gatewayUrl, null);
        var timeout = TimeSpan.FromMinutes(3);
        var watch = Stopwatch.StartNew();
        var alone = new List<GenerateResponse>();
        for (int i = 0; i < Concurrent; i++)
            alone.Add(await client.GenerateAsync(Request(300 + i, ConcurrentSteps, "Euler a"), timeout, _ => { }, CancellationToken.None));
        var sequential = watch.Elapsed;
        watch.Restart();
        var together = await Task.WhenAll(Enumerable.Range(0, Concurrent)
            .Select(i => client.GenerateAsync(Request(300 + i, ConcurrentSteps, "Euler a"), timeout, _ => { }, CancellationToken.None)));
        return ([.. alone], together, sequential, watch.Elapsed);
    }

    /// <summary>Default settings (up to 8 UNet rows per forward): concurrent requests share UNet batches, and
    /// each image equals its image alone up to float rounding. Bit-identity needs one request per forward
    /// (next test): BLAS rounds a row differently in a matrix product of another size.</summary>
    [Fact]
    public async Task Generate_EightConcurrent_SharedUNetBatchesAndEqualToOneAtATimeWithinRounding()
    {
        var (alone, together, sequential, concurrent) = await AloneAndTogetherAsync(stack.GatewayUrl);
        double worst = 0;
        for (int i = 0; i < Concurrent; i++)
        {
            var a = Tensors.ToFloats(alone[i].RawImage);
            var t = Tensors.ToFloats(together[i].RawImage);
            worst = Math.Max(worst, Comparison.MaxAbsDiff(a, t));
            Comparison.AssertClose(a, t, 1e-4, $"request {i}: concurrent vs alone");
        }

        var traceIds = together.Select(r => r.TraceId).ToHashSet();
        var steps = await stack.Otlp.WaitForSpansAsync(s => traceIds.Contains(s.TraceId) && s.Name == DiffusionSpanNames.DenoiseStep,
            Concurrent * ConcurrentSteps, TimeSpan.FromSeconds(30));
        long largest = steps.Where(s => traceIds.Contains(s.TraceId)).Max(s => Convert.ToInt64(s.Attributes[DiffusionTags.BatchSize]));
        output.WriteLine($"{Concurrent} requests x {ConcurrentSteps} steps: one at a time {sequential.TotalSeconds:F2} s, concurrent " +
            $"{concurrent.TotalSeconds:F2} s (time ratio {concurrent / sequential:F2}); largest UNet batch {largest} rows; " +
            $"image max abs difference vs alone {worst:E2}");
        Assert.True(largest > 2, $"no step batched two guided requests (largest batch {largest} rows)");
    }

    /// <summary>One request's rows per UNet forward (MaxBatchRows=2): requests still interleave step by step,
    /// each with its own scheduler state and random stream, and every image is bit-identical to its image alone.</summary>
    [Fact]
    public async Task Generate_EightConcurrent_OneRequestPerForward_BitIdenticalToOneAtATime()
    {
        await using var local = await LocalStack.StartAsync(StackFixture.ModelDir, "cpu", "f32", output.WriteLine, TimeSpan.FromMinutes(3),
            CancellationToken.None, new Dictionary<string, string> { ["Diffusion__Denoiser__MaxBatchRows"] = "2" });
        var (alone, together, sequential, concurrent) = await AloneAndTogetherAsync(local.GatewayUrl);
        for (int i = 0; i < Concurrent; i++)
        {
            Comparison.AssertClose(Tensors.ToFloats(alone[i].RawImage), Tensors.ToFloats(together[i].RawImage), 0, $"request {i}: concurrent vs alone");
            Assert.Equal(alone[i].Images[0], together[i].Images[0]);
        }
        output.WriteLine($"{Concurrent} requests x {ConcurrentSteps} steps, one request per UNet forward: one at a time {sequential.TotalSeconds:F2} s, " +
            $"concurrent {concurrent.TotalSeconds:F2} s (time ratio {concurrent / sequential:F2}); every image bit-identical");
    }

    [Fact]
    public async Task Generate_ReplicaKilledAtRandomStep_TwentyTrialsLoseNothingAndChangeNoImage()
    {
        // 64x64 images and 30 steps keep the replica busy well past the kill (the tiny model's steps take milliseconds).
        const int Trials = 20, Steps = 30, Size = 64;
        int seed = Environment.TickCount & 0xffff;
        var random = new Random(seed);
        output.WriteLine($"random seed {seed}");
        var timeout = TimeSpan.FromMinutes(3);
        await using var local = await LocalStack.StartAsync(StackFixture.ModelDir, "cpu", "f32", output.WriteLine,
            timeout, CancellationToken.None, denoiserReplicas: 2);
        using var inProcess = new InProcess(StackFixture.ModelDir);
        using var client = new GatewayClient(local.GatewayUrl, null);

        int failovers = 0;
        for (int trial = 0; trial < Trials; trial++)
        {
            string scheduler = trial % 2 == 0 ? "Euler a" : "DPM++ 2M";
            // Early enough that the replica is still working (progress reaches the client a little after the replica streams it).
            int killAt = random.Next(3, Steps / 2);
            var replicas = local.Denoisers.ToArray();
            var marks = replicas.ToDictionary(r => r, r => r.OutputLines);
            ServiceProcess? victim = null;
            var request = Request(500 + trial, Steps, scheduler);
            request.Width = request.Height = Size;
            var response = await client.GenerateAsync(request, timeout, progress =>
            {
                if (progress.Step != killAt || victim is not null) return;
                // The replica serving the request logged its start ("denoise request ...").
                var serving = replicas.Where(r => r.OutputSince(marks[r]).Any(l => l.Contains("denoise request", StringComparison.Ordinal))).ToList();
                if (serving.Count != 1) return;
                victim = serving[0];
                victim.KillHard();
            }, CancellationToken.None);

            var expected = await inProcess.Pipeline.GenerateAsync(new GenerationRequest
            {
                Prompts = [Prompt],
                NegativePrompts = ["blurry"],
                Steps = Steps,
                Seed = 500 + trial,
                Scheduler = scheduler,
                Width = Size,
                Height = Size,
            });
            Comparison.AssertClose(expected.Image, Tensors.ToFloats(response.RawImage), 0, $"trial {trial} ({scheduler}, kill -9 at step {killAt})");
            Assert.True(victim is not null, $"trial {trial}: no single replica logged the request by step {killAt}");
            output.WriteLine($"trial {trial}: {scheduler}, killed {victim!.Url} at step {killAt}, failovers {response.Failovers}, image equal");
            Assert.True(response.Failovers >= 1, $"trial {trial}: killed {victim.Url} at step {killAt} but the gateway did not fail over");
            failovers += response.Failovers;
            await local.ReplaceAsync(victim, timeout, CancellationToken.None);
            // Let the gateway's health checks re-admit the replacement before the next victim dies.
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        output.WriteLine($"{Trials} trials, {failovers} failovers, no request lost, every image equal to the undisturbed run");
    }

    [Fact]
    public async Task Denoise_QueueFull_ResourceExhaustedWithinMilliseconds()
    {
        var timeout = TimeSpan.FromMinutes(2);
        await using var denoiser = ServiceProcess.Start("denoiser",
        [
            "--model", StackFixture.ModelDir,
            "--Diffusion:Denoiser:MaxActiveJobs=1", "--Diffusion:Denoiser:QueueCapacity=1", "--Diffusion:Denoiser:RetryAfterMs=500",
        ]);
        await denoiser.WaitHealthyAsync(timeout, CancellationToken.None);
        using var channel = GrpcChannel.ForAddress(denoiser.Url);
        using var cts = new CancellationTokenSource(timeout);

        var random = new Random(1);
        DenoiseRequest Long(long seed)
        {
            float[] Embeddings() => Enumerable.Range(0, 77 * 32).Select(_ => (float)random.NextDouble()).ToArray();
            return new DenoiseRequest
            {
                CondEmbeddings = Tensors.FromFloats(Embeddings(), [1, 77, 32]),
                UncondEmbeddings = Tensors.FromFloats(Embeddings(), [1, 77, 32]),
                GuidanceScale = 7.5f,
                Steps = 500,
                Seed = seed,
                LatentHeight = 16,
                LatentWidth = 16,
                NumImagesPerPrompt = 1,
            };
        }

        // One request running (its first step has streamed), one waiting in the queue of 1.
        using var running = channel.CallInvoker.ServerStreaming(DenoiserMethods.Denoise, Long(1), new CallOptions { CancellationToken = cts.Token });
        Assert.True(await running.ResponseStream.MoveNext(cts.Token), "the first request streamed nothing");
        using var queued = channel.CallInvoker.ServerStreaming(DenoiserMethods.Denoise, Long(2), new CallOptions { CancellationToken = cts.Token });
        await Task.Delay(500); // the second request reaches the queue

        var rejections = new List<double>();
        for (int i = 0; i < 5; i++)
        {
            var watch = Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<RpcException>(async () =>
            {
                using var call = channel.CallInvoker.ServerStreaming(DenoiserMethods.Denoise, Long(3 + i), new CallOptions { CancellationToken = cts.Token });
                while (await call.ResponseStream.MoveNext(cts.Token)) { }
            });
            watch.Stop();
            Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
            Assert.Equal("500", error.Trailers.GetValue("grpc-retry-pushback-ms"));
            rejections.Add(watch.Elapsed.TotalMilliseconds);
        }
        output.WriteLine($"full queue: RESOURCE_EXHAUSTED in {string.Join(", ", rejections.Select(ms => $"{ms:F1}"))} ms");
        Assert.True(rejections.Skip(1).Max() < 100, $"rejections took {string.Join(", ", rejections)} ms");
        await cts.CancelAsync();
    }
}
