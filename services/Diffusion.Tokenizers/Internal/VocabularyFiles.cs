using System.Text.Json;
using Diffusion.Tokenizers.Unicode;

namespace Diffusion.Tokenizers.Internal;

/// <summary>Strict readers for <c>vocab.json</c> and <c>merges.txt</c>.</summary>
internal static class VocabularyFiles
{
    /// <summary>transformers CLIPTokenizer reads at most this many merges
    /// (<c>split("\n")[1 : 49152 - 256 - 2 + 1]</c>); later lines are ignored.</summary>
    public const int MaxMerges = 49152 - 256 - 2;

    /// <summary>vocab.json: a JSON object of token string to non-negative integer id.</summary>
    public static Dictionary<string, int> ReadVocabulary(string path)
    {
        using var doc = TokenizerConfigReader.ParseJson(path, required: true)!;
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
            throw new TokenizerLoadException(path, "expected a JSON object of token to id.");
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in doc.RootElement.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var id) || id < 0)
                throw new TokenizerLoadException(path, $"token '{entry.Name}' must map to a non-negative integer id, not {entry.Value.GetRawText()}.");
            vocab[entry.Name] = id;
        }
        if (vocab.Count == 0)
            throw new TokenizerLoadException(path, "the vocabulary is empty.");
        return vocab;
    }

    /// <summary>merges.txt: a "#version" header line, then one "left right" pair per line.</summary>
    public static List<(string Left, string Right)> ReadMerges(string path)
    {
        if (!File.Exists(path))
            throw new TokenizerLoadException(path, "file not found.");
        string content;
        try
        {
            content = File.ReadAllText(path, new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true));
        }
        catch (System.Text.DecoderFallbackException e)
        {
            throw new TokenizerLoadException(path, "not valid UTF-8.", e);
        }
        return ParseMerges(content, path);
    }

    /// <summary>Parses merges text; <paramref name="source"/> names it in errors.</summary>
    public static List<(string Left, string Right)> ParseMerges(string content, string source)
    {
        var lines = PythonText.Strip(content).Split('\n');
        if (!lines[0].TrimStart('\uFEFF').StartsWith("#version", StringComparison.Ordinal))
            throw new TokenizerLoadException(source,
                $"the first line must be the '#version: ...' header of a BPE merges file, not '{Shorten(lines[0])}'.");
        var merges = new List<(string, string)>(Math.Min(lines.Length - 1, MaxMerges));
        for (var i = 1; i < lines.Length && merges.Count < MaxMerges; i++)
        {
            var parts = lines[i].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2)
                throw new TokenizerLoadException(source, $"line {i + 1} is not a merge of two symbols: '{Shorten(lines[i])}'.");
            merges.Add((parts[0], parts[1]));
        }
        return merges;
    }

    private static string Shorten(string line) => line.Length <= 60 ? line.TrimEnd('\r') : line[..60] + "...";
}
