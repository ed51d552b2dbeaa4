using System.Diagnostics;
using Diffusion.Contracts;
using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Diffusion.Denoiser;
using Diffusion.Grpc;
using Diffusion.Grpc.Client;
using Diffusion.Hosting;
using static Diffusion.Services.Tests.DenoiseRequests;

namespace Diffusion.Services.Tests;

/// <summary>Failover, back-pressure, cancellation and batching through the service.</summary>
public sealed class DenoiserEngineTests
{
    private static Task<RunningService> StartAsync(StandInProvider provider, params string[] settings) =>
        RunningService.StartAsync<DenoiserRuntime>(args => DenoiserApp.Build(args, provider), true, settings);

    private static DenoiserRuntime Runtime(RunningService service) =>
        ((ModelSlot<DenoiserRuntime>)service.Services.GetService(typeof(ModelSlot<DenoiserRuntime>))!).Get();

    [Theory]
    [InlineData("DDIM")]
    [InlineData("DPM++ 2M")]
    [InlineData("Euler a")]
    [InlineData("DPM++ 2M SDE")]
    public async Task Denoise_ResumeOnAnotherInstance_EqualsTheUninterruptedRunBitForBit(string scheduler)
    {
        var request = Txt2Img(guidance: 4f, steps: 6, scheduler: scheduler);
        request.CheckpointEvery = 1;
        await using var first = await StartAsync(new StandInProvider());
        var events = await RunAsync(first.Calls, request);
        var uninterrupted = Tensors.ToFloats(Result(events).Latents);
        var checkpoint = events.Select(e => e.Checkpoint).Where(c => c is not null).Single(c => c.Step == 3);

        await using var second = await StartAsync(new StandInProvider());
        var resumed = request.Clone();
        resumed.Resume = checkpoint;
        var resumedEvents = await RunAsync(second.Calls, resumed);

        Assert.Equal([4, 5, 6], resumedEvents.Where(e => e.Progress is not null).Select(e => e.Progress.Step));
        Assert.Equal(uninterrupted, Tensors.ToFloats(Result(resumedEvents).Latents));
    }

    [Fact]
    public async Task Denoise_QueueFull_ResourceExhaustedWithPushbackTrailerAtOnce()
    {
        var provider = new StandInProvider();
        await using var service = await StartAsync(provider,
            "Diffusion:Denoiser:MaxActiveJobs=1", "Diffusion:Denoiser:QueueCapacity=1", "Diffusion:Denoiser:RetryAfterMs=250");
        var runtime = Runtime(service);
        provider.UNet.Hold.Reset();
        provider.UNet.Entered.Reset();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var running = RunAsync(service.Calls, Txt2Img(steps: 2), cts.Token);
        await WaitUntil(() => provider.UNet.Entered.IsSet); // polled: a blocking wait would hold one of the test runner's few threads
        var queued = RunAsync(service.Calls, Txt2Img(steps: 2, seed: 7), cts.Token);
        await WaitUntil(() => runtime.Engine.QueueDepth == 1);

        var watch = Stopwatch.StartNew();
        using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var error = await RunningService.FailsAsync(() => RunAsync(service.Calls, Txt2Img(steps: 2, seed: 8), quick.Token));
        watch.Stop();
        Assert.True(error.StatusCode == StatusCode.ResourceExhausted,
            $"{error.Status}; queue depth {runtime.Engine.QueueDepth}, active {runtime.Engine.ActiveJobs}, UNet calls {provider.UNet.Calls}");

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal("250", error.Trailers.GetValue(RpcErrorMapper.RetryPushbackTrailer));
        Assert.True(watch.ElapsedMilliseconds < 1000, $"rejection took {watch.ElapsedMilliseconds} ms");
        provider.UNet.Hold.Set();
        Assert.NotNull(Result(await running));
        Assert.NotNull(Result(await queued));
    }

    [Fact]
    public async Task Denoise_CancelledMidStream_FreesTheSlotForTheNextRequest()
    {
        var provider = new StandInProvider { UNet = { DelayMs = 20 } };
        await using var service = await StartAsync(provider, "Diffusion:Denoiser:MaxActiveJobs=1", "Diffusion:Denoiser:QueueCapacity=1");
        var runtime = Runtime(service);
        using var cts = new CancellationTokenSource();
        using (var call = service.Calls.ServerStreaming(DenoiserMethods.Denoise, Txt2Img(steps: 400),
            new CallOptions { CancellationToken = cts.Token }))
        {
            Assert.True(await call.ResponseStream.MoveNext());
            Assert.Equal(1, call.ResponseStream.Current.Progress.Step);
            cts.Cancel();
            await Assert.ThrowsAnyAsync<Exception>(async () => { while (await call.ResponseStream.MoveNext()) { } });
        }

        await WaitUntil(() => runtime.Engine.ActiveJobs == 0 && runtime.Engine.QueueDepth == 0);
        var next = Result(await RunAsync(service.Calls, Txt2Img(steps: 3, scheduler: "DDIM")));
        Assert.Equal(3, next.Timesteps.Count);
        Assert.True(provider.UNet.Calls < 100, $"the cancelled job kept running ({provider.UNet.Calls} forward passes)");
    }

    [Fact]
    public async Task Denoise_EightConcurrentRequests_BatchedAndEqualToOneAtATime()
    {
        var requests = Enumerable.Range(0, 8)
            .Select(i => Txt2Img(guidance: i % 2 == 0 ? 1f : 5f, steps: 4, scheduler: i % 3 == 0 ? "Euler a" : "DDIM", seed: 100 + i))
            .ToList();
        var serialProvider = new StandInProvider();
        var expected = new List<float[]>();
        await using (var serial = await StartAsync(serialProvider))
        {
            foreach (var r in requests)
                expected.Add(Tensors.ToFloats(Result(await RunAsync(serial.Calls, r)).Latents));
        }
        Assert.All(serialProvider.UNet.BatchRows.Skip(1), rows => Assert.True(rows <= 2)); // one request at a time

        var provider = new StandInProvider();
        await using var service = await StartAsync(provider, "Diffusion:Denoiser:MaxBatchRows=16");
        var runtime = Runtime(service);
        provider.UNet.Hold.Reset();
        var runs = requests.Select(r => RunAsync(service.Calls, r)).ToList();
        await WaitUntil(() => runtime.Engine.QueueDepth + runtime.Engine.ActiveJobs == 8);
        provider.UNet.Hold.Set();
        var results = await Task.WhenAll(runs);

        for (int i = 0; i < requests.Count; i++)
            Assert.Equal(expected[i], Tensors.ToFloats(Result(results[i]).Latents));
        Assert.Contains(provider.UNet.BatchRows, rows => rows >= 4); // several requests shared forward passes
    }

    [Fact]
    public async Task Denoise_DeadlinePassesMidRun_DeadlineExceededAndTheJobLeaves()
    {
        var provider = new StandInProvider { UNet = { DelayMs = 20 } };
        await using var service = await StartAsync(provider);
        var runtime = Runtime(service);
        long activeSeen = 0;
        using var meters = new System.Diagnostics.Metrics.MeterListener();
        // Only this service's meter: other tests' services publish the same instrument in this process.
        var factory = service.Services.GetService(typeof(System.Diagnostics.Metrics.IMeterFactory));
        meters.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == DenoiserGauges.ActiveJobsName && ReferenceEquals(instrument.Meter.Scope, factory))
                l.EnableMeasurementEvents(instrument);
        };
        meters.SetMeasurementEventCallback<int>((_, value, _, _) => Interlocked.Exchange(ref activeSeen, value));
        meters.Start();

        var error = await RunningService.FailsAsync(async () =>
        {
            using var call = service.Calls.ServerStreaming(DenoiserMethods.Denoise, Txt2Img(steps: 400), CallOptions.WithTimeout(TimeSpan.FromMilliseconds(300)));
            await foreach (var e in call.ReadAllAsync())
            {
                if (e.Progress?.Step == 2)
                {
                    meters.RecordObservableInstruments();
                }
            }
        });

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Equal(1, Interlocked.Read(ref activeSeen));
        await WaitUntil(() => runtime.Engine.ActiveJobs == 0);
        meters.RecordObservableInstruments();
        Assert.Equal(0, Interlocked.Read(ref activeSeen));
    }

    [Fact]
    public async Task Denoise_NineChannelInpaintingUNet_NeedsMaskAndMaskedLatentsAndEqualsReference()
    {
        var provider = new StandInProvider { UNet = new StandInUNet(inChannels: 9) };
        await using var service = await StartAsync(provider);
        var request = Txt2Img(guidance: 3f, steps: 4, scheduler: "Euler a");
        request.ImageLatents = Latents(1, 4, 8, 8, 0.4f);
        request.Strength = 0.75f;

        var missing = await RunningService.FailsAsync(() => RunAsync(service.Calls, request));
        request.Mask = Latents(1, 1, 8, 8, 0.9f);
        request.MaskedImageLatents = Latents(1, 4, 8, 8, 1.3f);
        var result = Result(await RunAsync(service.Calls, request));

        Assert.Equal(StatusCode.InvalidArgument, missing.StatusCode);
        Assert.StartsWith("mask:", missing.Detail, StringComparison.Ordinal);
        Assert.Equal(3, result.Timesteps.Count); // int(4 * 0.75)
        Assert.Equal(Reference(request, inChannels: 9), Tensors.ToFloats(result.Latents));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("condition not reached in 10 s");
            await Task.Delay(5);
        }
    }
}
