using System.Text;
using Diffusion.Tokenizers.Unicode;

namespace Diffusion.Tokenizers.Ftfy;

/// <summary>
/// A single-byte character map (Python's charmap codecs) with strict encode/decode, built from the
/// CPython decoding tables in Data/SingleByteCodecs.tsv. Includes ftfy's "sloppy" variants
/// (ftfy.bad_codecs.sloppy): undefined bytes decode to the Latin-1 character of the same number and
/// byte 0x1A stands for U+FFFD.
/// </summary>
internal sealed class SingleByteCodec
{
    private readonly int[] _decode; // byte -> code point, -1 where undefined
    private readonly Dictionary<int, byte> _encode = new();

    private SingleByteCodec(string name, int[] decode)
    {
        Name = name;
        _decode = decode;
        for (var b = 255; b >= 0; b--)
        {
            // charmap_build keeps the first byte for a repeated character; none of our tables repeat one.
            if (decode[b] >= 0)
                _encode[decode[b]] = (byte)b;
        }
    }

    /// <summary>ftfy's name for the codec ("latin-1", "sloppy-windows-1252", "macroman", ...).</summary>
    public string Name { get; }

    /// <summary>True for ftfy's sloppy-* codecs (where replace_lossy_sequences applies).</summary>
    public bool IsSloppy => Name.StartsWith("sloppy-", StringComparison.Ordinal);

    /// <summary>ftfy chardata.possible_encoding: every code point of the text has a byte in this codec.</summary>
    public bool CanEncode(string text)
    {
        foreach (var c in text)
        {
            // Astral characters never encode; their surrogate halves are not in any table either.
            if (!_encode.ContainsKey(c))
                return false;
        }
        return true;
    }

    /// <summary>Encodes text that <see cref="CanEncode"/> accepted.</summary>
    public byte[] Encode(string text)
    {
        var bytes = new byte[text.Length];
        for (var i = 0; i < text.Length; i++)
            bytes[i] = _encode[text[i]];
        return bytes;
    }

    /// <summary>Strict decode; false when a byte is undefined in this codec.</summary>
    public bool TryDecode(ReadOnlySpan<byte> bytes, out string text)
    {
        var sb = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            var cp = _decode[b];
            if (cp < 0)
            {
                text = "";
                return false;
            }
            sb.Append((char)cp);
        }
        text = sb.ToString();
        return true;
    }

    /// <summary>Decodes one byte; the codec must define it.</summary>
    public char DecodeByte(byte b) => _decode[b] >= 0 ? (char)_decode[b]
        : throw new ArgumentOutOfRangeException(nameof(b), $"byte 0x{b:X2} is undefined in {Name}");

    private static readonly Lazy<Dictionary<string, int[]>> s_raw = new(() =>
    {
        var tables = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var row in EmbeddedTable.Rows("SingleByteCodecs.tsv"))
        {
            var cps = EmbeddedTable.CodePoints(row[1]);
            if (cps.Length != 256)
                throw new InvalidDataException($"SingleByteCodecs.tsv: {row[0]} has {cps.Length} entries, not 256.");
            // CPython marks bytes a codec leaves undefined with U+FFFD (errors="replace").
            tables[row[0]] = cps.Select(cp => cp == 0xFFFD ? -1 : cp).ToArray();
        }
        return tables;
    });

    private static SingleByteCodec Strict(string name) => new(name, s_raw.Value[name]);

    private static SingleByteCodec Sloppy(string baseName)
    {
        var table = (int[])s_raw.Value[baseName].Clone();
        for (var b = 0; b < 256; b++)
        {
            if (table[b] < 0)
                table[b] = b;
        }
        table[0x1A] = 0xFFFD;
        return new SingleByteCodec("sloppy-" + baseName, table);
    }

    private static readonly Lazy<SingleByteCodec[]> s_charmapEncodings = new(() =>
    [
        Strict("latin-1"),
        Sloppy("windows-1252"),
        Sloppy("windows-1251"),
        Sloppy("windows-1250"),
        Sloppy("windows-1253"),
        Sloppy("windows-1254"),
        Strict("iso-8859-2"),
        Strict("macroman"),
        Strict("cp437"),
    ]);

    private static readonly Lazy<SingleByteCodec> s_windows1252 = new(() => Strict("windows-1252"));
    private static readonly Lazy<SingleByteCodec> s_sloppyWindows1252 = new(() => s_charmapEncodings.Value[1]);

    /// <summary>ftfy chardata.CHARMAP_ENCODINGS, in the order fix_encoding tries them.</summary>
    public static IReadOnlyList<SingleByteCodec> CharmapEncodings => s_charmapEncodings.Value;

    /// <summary>Latin-1 (ISO-8859-1): byte n is U+00nn.</summary>
    public static SingleByteCodec Latin1 => s_charmapEncodings.Value[0];

    /// <summary>Python's strict "windows-1252" (five bytes undefined).</summary>
    public static SingleByteCodec Windows1252 => s_windows1252.Value;

    /// <summary>ftfy's "sloppy-windows-1252".</summary>
    public static SingleByteCodec SloppyWindows1252 => s_sloppyWindows1252.Value;
}
