using System.Text.Json;
using Diffusion.Testing;

namespace Diffusion.Tokenizers.Tests;

/// <summary>The golden tokenizer files of ../shared/reference and one shared tokenizer over tiny_sd/tokenizer.</summary>
internal static class ReferenceData
{
    private static readonly Lazy<ClipTokenizer> s_tokenizer = new(() =>
        ClipTokenizer.FromDirectory(TestPaths.ReferenceFile("tiny_sd", "tokenizer")));

    private static readonly Lazy<IReadOnlyList<DetailCase>> s_details = new(LoadDetails);

    /// <summary>The SD 1.x CLIP tokenizer (49408 entries) the golden files were made with.</summary>
    public static ClipTokenizer Tokenizer => s_tokenizer.Value;

    /// <summary>One prompt of tokenizer_detail.json with every stage transformers produced.</summary>
    public sealed record DetailCase(
        int Index, string Prompt, string FtfyFixedText, string CleanedText, string[] BpeTokens,
        int[] IdsUntruncated, int[] InputIds, bool Truncated, int TokenCountUntruncated);

    public static IReadOnlyList<DetailCase> Details => s_details.Value;

    /// <summary>tokenizer_ids.json: prompt to its 77 ids (primary mode).</summary>
    public static IReadOnlyDictionary<string, int[]> PrimaryIds()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(TestPaths.ReferenceFile("tokenizer", "tokenizer_ids.json")));
        return doc.RootElement.EnumerateObject().ToDictionary(
            p => p.Name, p => p.Value.EnumerateArray().Select(e => e.GetInt32()).ToArray(), StringComparer.Ordinal);
    }

    /// <summary>A readable, escaped form of a string for failure messages.</summary>
    public static string Show(string s) => JsonSerializer.Serialize(s);

    public static string Show(IEnumerable<int> ids) => "[" + string.Join(", ", ids) + "]";

    private static IReadOnlyList<DetailCase> LoadDetails()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(TestPaths.ReferenceFile("tokenizer", "tokenizer_detail.json")));
        var list = new List<DetailCase>();
        var i = 0;
        foreach (var p in doc.RootElement.GetProperty("prompts").EnumerateArray())
        {
            list.Add(new DetailCase(
                i++,
                p.GetProperty("prompt").GetString()!,
                p.GetProperty("ftfy_fixed_text").GetString()!,
                p.GetProperty("cleaned_text").GetString()!,
                p.GetProperty("bpe_tokens").EnumerateArray().Select(e => e.GetString()!).ToArray(),
                p.GetProperty("ids_untruncated").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                p.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                p.GetProperty("truncated").GetBoolean(),
                p.GetProperty("n_tokens_untruncated").GetInt32()));
        }
        return list;
    }
}
