using Diffusion.Tokenizers.Internal;
using static Diffusion.Tokenizers.Tests.ReferenceData;

namespace Diffusion.Tokenizers.Tests;

/// <summary>Every reference prompt, compared stage by stage with transformers' CLIPTokenizer + ftfy 6.1.1.</summary>
public sealed class GoldenPromptTests
{
    public static TheoryData<int> CaseIndices()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Details.Count; i++) data.Add(i);
        return data;
    }

    [Fact]
    public void Encode_AllPrimaryModePrompts_MatchTokenizerIdsExactly()
    {
        var expected = PrimaryIds();
        Assert.Equal(63, expected.Count);
        var failures = new List<string>();
        foreach (var (prompt, ids) in expected)
        {
            var actual = Tokenizer.Encode(prompt).InputIds;
            if (!actual.SequenceEqual(ids))
                failures.Add($"prompt {Show(prompt)}\n  expected {Show(ids)}\n  actual   {Show(actual)}");
        }
        Assert.True(failures.Count == 0, $"{expected.Count - failures.Count}/{expected.Count} exact; failures:\n" + string.Join("\n", failures));
    }

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void FixText_ReferencePrompt_MatchesFtfyFixedText(int index)
    {
        var c = Details[index];
        var actual = ClipTextNormalizer.FixText(c.Prompt);
        Assert.True(c.FtfyFixedText == actual, $"prompt {Show(c.Prompt)}: expected {Show(c.FtfyFixedText)}, actual {Show(actual)}");
    }

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void Normalize_ReferencePrompt_MatchesCleanedText(int index)
    {
        var c = Details[index];
        // The prompts hold at most the one added token of "special token text <|endoftext|> inside",
        // which the reference cleaned as a single string; split pieces are normalised one by one.
        var actual = ClipTextNormalizer.Normalize(c.Prompt);
        Assert.True(c.CleanedText == actual, $"prompt {Show(c.Prompt)}: expected {Show(c.CleanedText)}, actual {Show(actual)}");
    }

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void Tokenize_ReferencePrompt_MatchesBpeTokens(int index)
    {
        var c = Details[index];
        var actual = Tokenizer.Tokenize(c.Prompt);
        Assert.True(c.BpeTokens.SequenceEqual(actual),
            $"prompt {Show(c.Prompt)}\n  expected [{string.Join(", ", c.BpeTokens.Select(Show))}]\n  actual   [{string.Join(", ", actual.Select(Show))}]");
    }

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void Encode_ReferencePrompt_MatchesIdsCountAndTruncation(int index)
    {
        var c = Details[index];
        var untruncated = Tokenizer.TokenIds(c.Prompt);
        int[] withSpecials = [Tokenizer.BosId, .. untruncated, Tokenizer.EosId];
        Assert.True(c.IdsUntruncated.SequenceEqual(withSpecials),
            $"prompt {Show(c.Prompt)}\n  expected {Show(c.IdsUntruncated)}\n  actual   {Show(withSpecials)}");

        var encoding = Tokenizer.Encode(c.Prompt);
        Assert.True(c.InputIds.SequenceEqual(encoding.InputIds),
            $"prompt {Show(c.Prompt)}\n  expected {Show(c.InputIds)}\n  actual   {Show(encoding.InputIds)}");
        Assert.Equal(c.TokenCountUntruncated - 2, encoding.TokenCount);
        Assert.Equal(c.Truncated, encoding.Truncated);
    }
}
