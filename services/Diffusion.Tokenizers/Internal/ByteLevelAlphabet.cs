namespace Diffusion.Tokenizers.Internal;

/// <summary>
/// GPT-2's bytes_to_unicode (used by CLIP): every byte maps to a printable character so BPE never
/// sees whitespace or control characters. Printable Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') map
/// to themselves; the other 68 bytes, in increasing order, to U+0100, U+0101, ...
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] s_byteToChar = Build();
    private static readonly Dictionary<char, byte> s_charToByte =
        Enumerable.Range(0, 256).ToDictionary(b => s_byteToChar[b], b => (byte)b);

    private static char[] Build()
    {
        var map = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }

    /// <summary>The character standing for byte <paramref name="b"/>.</summary>
    public static char ToChar(byte b) => s_byteToChar[b];

    /// <summary>The byte a byte-level character stands for; false for characters outside the alphabet.</summary>
    public static bool TryToByte(char c, out byte b) => s_charToByte.TryGetValue(c, out b);

    /// <summary>The UTF-8 bytes of <paramref name="text"/> spelled in the byte-level alphabet.</summary>
    public static string Encode(string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        return string.Create(bytes.Length, bytes, static (span, b) =>
        {
            for (var i = 0; i < b.Length; i++) span[i] = s_byteToChar[b[i]];
        });
    }
}
