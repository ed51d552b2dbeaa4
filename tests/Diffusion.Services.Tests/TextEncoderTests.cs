using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Diffusion.Contracts;
using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Diffusion.Grpc;
using Diffusion.ServiceDefaults.Telemetry;
using Diffusion.TextEncoder;

namespace Diffusion.Services.Tests;

/// <summary>In the collection of every test that runs a text encoder: the span listener here sees
/// the process-wide ActivitySource.</summary>
[Collection(TextEncoderCollection.Name)]
public sealed class TextEncoderTests
{
    private static async Task<(RunningService Service, StandInTextEncoder Model)> StartAsync(params string[] settings)
    {
        var model = new StandInTextEncoder();
        var provider = new StandInProvider { TextEncoder = model };
        var service = await RunningService.StartAsync<TextEncoderRuntime>(args => TextEncoderApp.Build(args, provider), true, settings);
        return (service, model);
    }

    private static async Task<EncodeTextResponse> EncodeAsync(RunningService service, bool chunk, int clipSkip, params string[] prompts)
    {
        var request = new EncodeTextRequest { ClipSkip = clipSkip, ChunkLongPrompts = chunk };
        request.Prompts.Add(prompts);
        return (await service.Calls.UnaryAsync(TextEncoderMethods.Encode, request)).Response;
    }

    private static float[] Direct(bool chunk, int clipSkip, params string[] prompts) =>
        new StandInTextEncoder().Encode(prompts, clipSkip, chunk).HiddenStates;

    [Fact]
    public async Task Encode_Batch_OneModelCallWithRowsInRequestOrder()
    {
        var (service, model) = await StartAsync();
        await using var _ = service;
        int before = model.Calls.Count;

        var response = await EncodeAsync(service, false, 0, "a red cat", "a dog", "");

        Assert.Equal(before + 1, model.Calls.Count);
        Assert.Equal(["a red cat", "a dog", ""], model.Calls[^1]);
        Assert.Equal([3L, StandInTextEncoder.MaxTokens, StandInTextEncoder.Hidden], response.HiddenStates.Shape);
        Assert.Equal([3L, StandInTextEncoder.Hidden], response.Pooled.Shape);
        Assert.Equal([3, 2, 0], response.TokenCounts);
        Assert.Equal([false, false, false], response.Truncated);
        Assert.Equal(Direct(false, 0, "a red cat", "a dog", ""), Tensors.ToFloats(response.HiddenStates));
    }

    [Fact]
    public async Task Encode_RepeatedPrompts_ServedFromTheCacheWithHitAttributeAndCounter()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == DiffusionActivitySources.TextEncoderName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { if (a.OperationName == "text_encoder.cache") spans.Enqueue(a); },
        };
        ActivitySource.AddActivityListener(listener);
        var (service, model) = await StartAsync();
        await using var _ = service;
        long hits = 0, misses = 0;
        // Only this service's meter: other tests' services publish the same instrument in this process.
        var factory = service.Services.GetService(typeof(IMeterFactory));
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == EncodeHandler.CacheLookupsName && ReferenceEquals(instrument.Meter.Scope, factory))
                l.EnableMeasurementEvents(instrument);
        };
        meters.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == DiffusionTags.CacheHit && tag.Value is true) Interlocked.Add(ref hits, value);
                else if (tag.Key == DiffusionTags.CacheHit) Interlocked.Add(ref misses, value);
            }
        });
        meters.Start();

        await EncodeAsync(service, false, 0, "an old house", "snow");
        int calls = model.Calls.Count;
        var mixed = await EncodeAsync(service, false, 0, "snow", "an old house", "a new prompt");
        var cached = await EncodeAsync(service, false, 0, "snow", "an old house");

        Assert.Equal(calls + 1, model.Calls.Count); // the fully cached request made no model call
        Assert.Equal(["a new prompt"], model.Calls[^1]);
        Assert.Equal(Direct(false, 0, "snow", "an old house", "a new prompt"), Tensors.ToFloats(mixed.HiddenStates));
        Assert.Equal(Direct(false, 0, "snow", "an old house"), Tensors.ToFloats(cached.HiddenStates));
        var hitTags = spans.Select(s => s.GetTagItem(DiffusionTags.CacheHit)).ToList();
        Assert.Equal([false, false, true], hitTags);
        Assert.Equal(4, Interlocked.Read(ref hits));
        Assert.Equal(3, Interlocked.Read(ref misses));
    }

    [Fact]
    public async Task Encode_OtherClipSkipOrChunking_IsACacheMiss()
    {
        var (service, model) = await StartAsync();
        await using var _ = service;
        await EncodeAsync(service, false, 0, "a lighthouse");
        int calls = model.Calls.Count;

        var skipped = await EncodeAsync(service, false, 1, "a lighthouse");
        var chunked = await EncodeAsync(service, true, 0, "a lighthouse");

        Assert.Equal(calls + 2, model.Calls.Count);
        Assert.Equal(Direct(false, 1, "a lighthouse"), Tensors.ToFloats(skipped.HiddenStates));
        Assert.Equal(Direct(true, 0, "a lighthouse"), Tensors.ToFloats(chunked.HiddenStates));
    }

    [Fact]
    public async Task Encode_ChunkedPromptsOfDifferentLengths_EqualOneUncachedBatch()
    {
        var (service, _) = await StartAsync();
        await using var __ = service;
        string longPrompt = string.Join(' ', Enumerable.Range(0, 15).Select(i => $"w{i}")); // 3 windows
        await EncodeAsync(service, true, 0, longPrompt);
        await EncodeAsync(service, true, 0, "short one");

        var response = await EncodeAsync(service, true, 0, "short one", longPrompt);

        Assert.Equal([2L, 3 * StandInTextEncoder.MaxTokens, StandInTextEncoder.Hidden], response.HiddenStates.Shape);
        Assert.Equal(Direct(true, 0, "short one", longPrompt), Tensors.ToFloats(response.HiddenStates));
    }

    [Fact]
    public async Task Encode_OverCapacity_EvictsTheLeastRecentlyUsed()
    {
        var (service, model) = await StartAsync("Diffusion:TextEncoder:CacheCapacity=2");
        await using var _ = service;
        await EncodeAsync(service, false, 0, "a");
        await EncodeAsync(service, false, 0, "b");
        await EncodeAsync(service, false, 0, "a"); // a is now the most recent
        await EncodeAsync(service, false, 0, "c"); // evicts b
        int calls = model.Calls.Count;

        await EncodeAsync(service, false, 0, "a");
        Assert.Equal(calls, model.Calls.Count);
        await EncodeAsync(service, false, 0, "b");
        Assert.Equal(calls + 1, model.Calls.Count);
    }

    [Fact]
    public async Task Describe_ReportsTheModel()
    {
        var (service, _) = await StartAsync();
        await using var __ = service;

        var description = (await service.Calls.UnaryAsync(TextEncoderMethods.Describe, new DescribeRequest())).Response;

        Assert.Equal("stand-in-clip", description.Name);
        Assert.Equal(StandInTextEncoder.Hidden, description.HiddenSize);
        Assert.Equal(StandInTextEncoder.MaxTokens, description.MaxTokens);
        Assert.Equal(4, description.NumLayers);
    }

    [Fact]
    public async Task Encode_BadInputs_InvalidArgumentNamingTheField()
    {
        var (service, model) = await StartAsync();
        await using var _ = service;
        int calls = model.Calls.Count;
        var cases = new (EncodeTextRequest Request, string Field)[]
        {
            (new EncodeTextRequest(), "prompts"),
            (WithPrompts(Enumerable.Repeat("x", 65)), "prompts"),
            (WithPrompts(["fine", new string('a', 1 << 20)]), "prompts[1]"),
            (new EncodeTextRequest { Prompts = { "x" }, ClipSkip = -1 }, "clip_skip"),
            (new EncodeTextRequest { Prompts = { "x" }, ClipSkip = 4 }, "clip_skip"),
        };

        foreach (var (request, field) in cases)
        {
            var watch = Stopwatch.StartNew();
            var error = await RunningService.FailsAsync(() => service.Calls.UnaryAsync(TextEncoderMethods.Encode, request));
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            Assert.StartsWith(field + ":", error.Detail, StringComparison.Ordinal);
            Assert.True(watch.ElapsedMilliseconds < 2000, $"{field}: rejected after {watch.ElapsedMilliseconds} ms");
        }
        Assert.Equal(calls, model.Calls.Count);
    }

    private static EncodeTextRequest WithPrompts(IEnumerable<string> prompts)
    {
        var request = new EncodeTextRequest();
        request.Prompts.Add(prompts);
        return request;
    }
}

[CollectionDefinition(Name)]
public sealed class TextEncoderCollection
{
    public const string Name = "text encoder spans";
}
