using Diffusion.Pipelines.Models;

namespace Diffusion.Services.Tests;

/// <summary>
/// A stand-in CLIP: a "token" is a word; max_tokens 8 (6 words per window). Each position's vector is
/// a function of the prompt, the position and clip_skip; chunked batches are padded to the longest
/// prompt with the empty prompt's windows. Records every call's batch.
/// </summary>
internal sealed class StandInTextEncoder : ITextEncoderModel
{
    public const int MaxTokens = 8;
    public const int Hidden = 6;
    private readonly Lock _gate = new();
    private readonly List<string[]> _calls = [];

    public TextEncoderInfo Info { get; } = new("stand-in-clip", Hidden, MaxTokens, 1000, 4);

    public IReadOnlyList<string[]> Calls { get { lock (_gate) return [.. _calls]; } }

    public TextEncoding Encode(IReadOnlyList<string> prompts, int clipSkip, bool chunkLongPrompts, CancellationToken cancellationToken = default)
    {
        lock (_gate) _calls.Add([.. prompts]);
        var counts = prompts.Select(p => p.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length).ToArray();
        int windows = chunkLongPrompts ? counts.Max(c => Math.Max(1, (c + MaxTokens - 3) / (MaxTokens - 2))) : 1;
        int seq = windows * MaxTokens;
        var hidden = new float[prompts.Count * seq * Hidden];
        var pooled = new float[prompts.Count * Hidden];
        for (int b = 0; b < prompts.Count; b++)
        {
            int own = chunkLongPrompts ? Math.Max(1, (counts[b] + MaxTokens - 3) / (MaxTokens - 2)) * MaxTokens : MaxTokens;
            float seed = Fingerprint(prompts[b]);
            for (int l = 0; l < seq; l++)
            {
                for (int d = 0; d < Hidden; d++)
                {
                    // Padding windows beyond the prompt's own length encode the empty prompt.
                    float s = l < own ? seed : 0f;
                    hidden[(b * seq + l) * Hidden + d] = MathF.Sin(s + 0.3f * l + 0.7f * d + clipSkip);
                }
            }
            for (int d = 0; d < Hidden; d++) pooled[b * Hidden + d] = MathF.Cos(seed + d + clipSkip);
        }
        return new TextEncoding(hidden, [prompts.Count, seq, Hidden], pooled, [prompts.Count, Hidden], counts,
            [.. counts.Select(c => !chunkLongPrompts && c > MaxTokens - 2)]);
    }

    private static float Fingerprint(string text)
    {
        uint h = 2166136261;
        foreach (char c in text) h = (h ^ c) * 16777619;
        return (h % 10007) / 1000f;
    }
}
