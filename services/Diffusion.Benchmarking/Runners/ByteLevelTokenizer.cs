using Diffusion.Tokenizers;

namespace Diffusion.Benchmarking.Runners;

/// <summary>A CLIP tokenizer with no merges: every byte of a word is one token (GPT-2/CLIP byte-level alphabet, word ends
/// marked "&lt;/w&gt;"), BOS/EOS at CLIP's ids 49406/49407. Random-weight benchmarks use it so no vocab.json has to be
/// downloaded; the text model still runs the full 77-token sequence, so the timing is the real one.</summary>
internal static class ByteLevelTokenizer
{
    public static ClipTokenizer Create()
    {
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        var alphabet = ByteAlphabet();
        for (int b = 0; b < 256; b++)
        {
            vocabulary[alphabet[b]] = b;
            vocabulary[alphabet[b] + "</w>"] = 256 + b;
        }
        vocabulary["<|startoftext|>"] = 49406;
        vocabulary["<|endoftext|>"] = 49407;
        return new ClipTokenizer(vocabulary, []);
    }

    /// <summary>GPT-2's bytes_to_unicode: printable Latin-1 bytes map to themselves, the rest to code points from 256 up.</summary>
    private static string[] ByteAlphabet()
    {
        var map = new string[256];
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? ((char)b).ToString() : ((char)(256 + next++)).ToString();
        }
        return map;
    }
}
