using System.Diagnostics;
using System.Diagnostics.Metrics;
using Diffusion.Contracts;
using Diffusion.Contracts.V1;
using Diffusion.Grpc.Server;
using Diffusion.Hosting;
using Diffusion.Pipelines.Models;
using Diffusion.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Options;

namespace Diffusion.TextEncoder;

/// <summary>
/// TextEncoder.Encode: validates the prompts, answers what it can from the prompt cache and encodes
/// the rest in ONE model call, then stacks the rows in request order.
/// </summary>
internal sealed class EncodeHandler
{
    /// <summary>Counter of prompt lookups, tagged <c>diffusion.cache.hit</c> true/false.</summary>
    public const string CacheLookupsName = "diffusion.text_encoder.cache.lookups";

    private readonly ModelSlot<TextEncoderRuntime> _slot;
    private readonly RequestLimits _limits;
    private readonly Counter<long> _lookups;

    public EncodeHandler(ModelSlot<TextEncoderRuntime> slot, IOptions<RequestLimits> limits, IMeterFactory meters)
    {
        _slot = slot;
        _limits = limits.Value;
        _lookups = meters.Create(new MeterOptions(DiffusionActivitySources.TextEncoderName))
            .CreateCounter<long>(CacheLookupsName, "{prompt}", "Prompt embedding cache lookups by hit or miss.");
    }

    public async Task<EncodeTextResponse> HandleAsync(EncodeTextRequest request, ServerCallContext context)
    {
        var runtime = _slot.Get();
        var info = runtime.Model.Info;
        Validate(request, info);
        using var span = DiffusionActivitySources.TextEncoder.StartActivity(DiffusionSpanNames.EncodeText);
        span?.SetTag("diffusion.prompt.count", request.Prompts.Count);
        span?.SetTag("diffusion.clip_skip", request.ClipSkip);

        var prompts = request.Prompts;
        var rows = new PromptEncoding?[prompts.Count];
        var misses = new List<string>();
        using (var cacheSpan = DiffusionActivitySources.TextEncoder.StartActivity("text_encoder.cache"))
        {
            int hits = 0;
            for (int i = 0; i < prompts.Count; i++)
            {
                var key = new PromptKey(prompts[i], request.ClipSkip, request.ChunkLongPrompts);
                if (runtime.Cache.TryGet(key, out var cached))
                {
                    rows[i] = cached;
                    hits++;
                }
                else if (!misses.Contains(prompts[i]))
                {
                    misses.Add(prompts[i]);
                }
            }
            _lookups.Add(hits, new KeyValuePair<string, object?>(DiffusionTags.CacheHit, true));
            _lookups.Add(prompts.Count - hits, new KeyValuePair<string, object?>(DiffusionTags.CacheHit, false));
            cacheSpan?.SetTag(DiffusionTags.CacheHit, misses.Count == 0);
            cacheSpan?.SetTag("diffusion.cache.hits", hits);
            cacheSpan?.SetTag("diffusion.cache.misses", prompts.Count - hits);
            span?.SetTag(DiffusionTags.CacheHit, misses.Count == 0);
        }

        if (misses.Count > 0)
        {
            var encoded = await EncodeAsync(runtime, misses, request, context.CancellationToken).ConfigureAwait(false);
            for (int m = 0; m < misses.Count; m++)
            {
                var row = encoded[m];
                // A chunked batch pads every prompt to the longest one's chunk count: only rows at their
                // own length are what this prompt alone encodes to, so only those are cached.
                if (!request.ChunkLongPrompts || row.SequenceLength == OwnSequenceLength(row.TokenCount, info.MaxTokens))
                    runtime.Cache.Add(new PromptKey(misses[m], request.ClipSkip, request.ChunkLongPrompts), row);
                for (int i = 0; i < prompts.Count; i++)
                {
                    if (rows[i] is null && prompts[i] == misses[m]) rows[i] = row;
                }
            }
        }

        var all = rows.Select(r => r!).ToList();
        if (all.Select(r => r.SequenceLength).Distinct().Count() > 1)
        {
            // Chunked prompts of different lengths, some from the cache: encode the batch together so
            // the padding matches what one uncached call returns.
            all = await EncodeAsync(runtime, [.. prompts], request, context.CancellationToken).ConfigureAwait(false);
        }
        return Stack(all);
    }

    /// <summary>Positions of one prompt encoded alone in chunked mode: one window of max_tokens per
    /// chunk of max_tokens - 2 tokens (BOS/EOS around each), at least one.</summary>
    internal static int OwnSequenceLength(int tokenCount, int maxTokens)
    {
        int perChunk = maxTokens - 2;
        int chunks = Math.Max(1, (tokenCount + perChunk - 1) / perChunk);
        return chunks * maxTokens;
    }

    private void Validate(EncodeTextRequest request, TextEncoderInfo info)
    {
        if (request.Prompts.Count < 1 || request.Prompts.Count > _limits.MaxPrompts)
            throw new ArgumentException($"prompts: {request.Prompts.Count} prompts given; 1 to {_limits.MaxPrompts} are accepted");
        for (int i = 0; i < request.Prompts.Count; i++)
        {
            if (request.Prompts[i].Length > _limits.MaxPromptLength)
                throw new ArgumentException($"prompts[{i}]: {request.Prompts[i].Length} characters, over the limit of {_limits.MaxPromptLength}");
        }
        if (request.ClipSkip < 0 || request.ClipSkip > info.NumLayers - 1)
            throw new ArgumentException($"clip_skip: {request.ClipSkip} is not in [0, {info.NumLayers - 1}] for a {info.NumLayers}-layer encoder");
    }

    private static async Task<List<PromptEncoding>> EncodeAsync(TextEncoderRuntime runtime, List<string> prompts, EncodeTextRequest request,
        CancellationToken cancellationToken)
    {
        await runtime.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        TextEncoding encoding;
        try
        {
            // Tokenization happens inside the model (ITextEncoderModel takes text): this span covers
            // tokenizer and transformer together.
            using var forward = DiffusionActivitySources.TextEncoder.StartActivity("text_encoder.forward");
            forward?.SetTag(DiffusionTags.BatchSize, prompts.Count);
            encoding = runtime.Model.Encode(prompts, request.ClipSkip, request.ChunkLongPrompts, cancellationToken);
        }
        finally
        {
            runtime.Gate.Release();
        }
        return Split(encoding, prompts.Count);
    }

    private static List<PromptEncoding> Split(TextEncoding encoding, int count)
    {
        var hs = encoding.HiddenShape;
        if (hs.Length != 3 || hs[0] != count || encoding.PooledShape.Length != 2 || encoding.PooledShape[0] != count)
            throw new InvalidOperationException($"the text encoder returned shapes [{string.Join(", ", hs)}] and [{string.Join(", ", encoding.PooledShape)}] for {count} prompts");
        int seq = (int)hs[1];
        int rowHidden = seq * (int)hs[2];
        int rowPooled = (int)encoding.PooledShape[1];
        var rows = new List<PromptEncoding>(count);
        for (int i = 0; i < count; i++)
        {
            rows.Add(new PromptEncoding(
                encoding.HiddenStates.AsSpan(i * rowHidden, rowHidden).ToArray(), seq,
                encoding.Pooled.AsSpan(i * rowPooled, rowPooled).ToArray(),
                encoding.TokenCounts[i], encoding.Truncated[i]));
        }
        return rows;
    }

    private static EncodeTextResponse Stack(List<PromptEncoding> rows)
    {
        int seq = rows[0].SequenceLength;
        int width = rows[0].Hidden.Length / seq;
        var hidden = new float[rows.Count * rows[0].Hidden.Length];
        var pooled = new float[rows.Count * rows[0].Pooled.Length];
        for (int i = 0; i < rows.Count; i++)
        {
            rows[i].Hidden.CopyTo(hidden, i * rows[0].Hidden.Length);
            rows[i].Pooled.CopyTo(pooled, i * rows[0].Pooled.Length);
        }
        var response = new EncodeTextResponse
        {
            HiddenStates = Tensors.FromFloats(hidden, rows.Count, seq, width),
            Pooled = Tensors.FromFloats(pooled, rows.Count, rows[0].Pooled.Length),
        };
        response.TokenCounts.Add(rows.Select(r => r.TokenCount));
        response.Truncated.Add(rows.Select(r => r.Truncated));
        return response;
    }
}
