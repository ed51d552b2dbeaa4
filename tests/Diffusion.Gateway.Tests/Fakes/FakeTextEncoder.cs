using System.Collections.Concurrent;
using Diffusion.Contracts;
using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Microsoft.AspNetCore.Builder;

namespace Diffusion.Gateway.Tests.Fakes;

/// <summary>A TextEncoder whose embeddings are a deterministic function of the prompt.</summary>
internal sealed class FakeTextEncoder
{
    private int _encodeCalls;

    public TextEncoderDescription Description { get; set; } = new()
    {
        Name = "fake-clip",
        HiddenSize = 32,
        MaxTokens = 77,
        VocabSize = 49408,
        NumLayers = 12,
    };

    /// <summary>Encode requests in arrival order (failed ones included).</summary>
    public ConcurrentQueue<Received<EncodeTextRequest>> Calls { get; } = new();

    public FaultHook? OnEncode { get; set; }

    /// <summary>How long Describe takes to answer (a blackholed or overloaded encoder).</summary>
    public TimeSpan DescribeDelay { get; set; }

    public int EncodeCalls => Volatile.Read(ref _encodeCalls);

    public void Map(WebApplication app)
    {
        app.MapGrpcUnary(TextEncoderMethods.Describe, async (_, context) =>
        {
            if (DescribeDelay > TimeSpan.Zero)
                await Task.Delay(DescribeDelay, context.CancellationToken);
            return Description;
        });
        app.MapGrpcUnary(TextEncoderMethods.Encode, async (request, context) =>
        {
            Calls.Enqueue(Received<EncodeTextRequest>.From(request, context));
            int index = Interlocked.Increment(ref _encodeCalls) - 1;
            if (OnEncode is { } fault)
                await fault(index, context);
            return Encode(request, Description);
        });
    }

    /// <summary>[B, max_tokens, hidden]: row b is noise seeded by prompt b's hash.</summary>
    public static EncodeTextResponse Encode(EncodeTextRequest request, TextEncoderDescription description)
    {
        int length = description.MaxTokens * description.HiddenSize;
        var data = new float[request.Prompts.Count * length];
        for (int b = 0; b < request.Prompts.Count; b++)
            FakeData.NoiseArray(FakeData.Hash(request.Prompts[b]) + request.ClipSkip, length).CopyTo(data, b * length);
        var response = new EncodeTextResponse
        {
            HiddenStates = Tensors.FromFloats(data, request.Prompts.Count, description.MaxTokens, description.HiddenSize),
        };
        foreach (var prompt in request.Prompts)
        {
            response.TokenCounts.Add(prompt.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
            response.Truncated.Add(prompt.Length > 300);
        }
        return response;
    }
}
