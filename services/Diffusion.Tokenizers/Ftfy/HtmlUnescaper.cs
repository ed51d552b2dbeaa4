using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;
using Diffusion.Tokenizers.Unicode;

namespace Diffusion.Tokenizers.Ftfy;

/// <summary>
/// ftfy.fixes.unescape_html: decodes HTML entities that end in ';' (the HTML5 names, plus all-caps
/// spellings of lower-case names such as "&amp;EACUTE;") and numeric character references that are
/// complete, as Python's html.unescape would decode them.
/// </summary>
internal static class HtmlUnescaper
{
    private static readonly Regex s_entity = new("&#?[0-9A-Za-z]{1,24};", RegexOptions.CultureInvariant);

    private static readonly Lazy<Dictionary<string, string>> s_entities = new(() =>
        EmbeddedTable.Rows("HtmlEntities.tsv").ToDictionary(r => r[0], r => EmbeddedTable.Text(r[1]), StringComparer.Ordinal));

    /// <summary>Python html's _invalid_charrefs: numeric references HTML5 maps elsewhere
    /// (0x80..0x9F to their Windows-1252 characters).</summary>
    private static readonly Dictionary<int, string> s_invalidCharRefs = BuildInvalidCharRefs();

    private static Dictionary<int, string> BuildInvalidCharRefs()
    {
        var map = new Dictionary<int, string> { [0x00] = "\uFFFD", [0x0D] = "\r" };
        for (var b = 0x80; b <= 0x9F; b++)
        {
            // Windows-1252 where it defines the byte; the five undefined ones stay themselves.
            map[b] = SingleByteCodec.Windows1252.TryDecode([(byte)b], out var s) ? s : ((char)b).ToString();
        }
        return map;
    }

    /// <summary>ftfy.fixes.unescape_html.</summary>
    public static string Unescape(string text)
    {
        if (text.IndexOf('&') < 0)
            return text;
        return s_entity.Replace(text, m => Fixup(m.Value));
    }

    private static string Fixup(string entity)
    {
        if (s_entities.Value.TryGetValue(entity, out var chars))
            return chars;
        if (entity.StartsWith("&#", StringComparison.Ordinal))
            return DecodeNumeric(entity) ?? entity;
        return entity;
    }

    // html.unescape on "&#...;", kept only when it consumes the whole reference: decimal digits, or
    // x/X and hex digits, then ';'. Otherwise the semicolon would survive and ftfy keeps the original.
    private static string? DecodeNumeric(string entity)
    {
        var body = entity.AsSpan(2, entity.Length - 3);
        BigInteger value;
        if (body.Length > 1 && (body[0] == 'x' || body[0] == 'X'))
        {
            var digits = body[1..];
            foreach (var c in digits)
            {
                if (!char.IsAsciiHexDigit(c)) return null;
            }
            value = BigInteger.Parse("0" + digits.ToString(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        }
        else
        {
            foreach (var c in body)
            {
                if (!char.IsAsciiDigit(c)) return null;
            }
            value = BigInteger.Parse(body, NumberStyles.None, CultureInfo.InvariantCulture);
        }

        // html._replace_charref
        if (value <= 0x9F && s_invalidCharRefs.TryGetValue((int)value, out var replacement))
            return replacement;
        if ((value >= 0xD800 && value <= 0xDFFF) || value > 0x10FFFF)
            return "\uFFFD";
        var cp = (int)value;
        if (IsInvalidCodePoint(cp))
            return "";
        return char.ConvertFromUtf32(cp);
    }

    // Python html._invalid_codepoints: C0/C1 controls (except tab, LF, FF, CR), DEL, the
    // noncharacters U+FDD0..U+FDEF and every U+xFFFE/U+xFFFF.
    private static bool IsInvalidCodePoint(int cp) =>
        cp is >= 0x1 and <= 0x8 or 0xB or >= 0xE and <= 0x1F or >= 0x7F and <= 0x9F or >= 0xFDD0 and <= 0xFDEF
        || (cp & 0xFFFE) == 0xFFFE;
}
