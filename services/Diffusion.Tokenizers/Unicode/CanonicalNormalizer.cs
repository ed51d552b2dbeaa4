using System.Text;

namespace Diffusion.Tokenizers.Unicode;

/// <summary>
/// Unicode Normalization Form C (UAX #15: canonical decomposition, canonical ordering, canonical
/// composition), from tables taken from CPython's unicodedata (Data/Normalization.tsv).
/// </summary>
/// <remarks>
/// Why not <see cref="string.Normalize()"/>: on Linux it goes through ICU, and under
/// InvariantGlobalization (set repository-wide) it does not normalise at all, which would make
/// prompts like "cafe\u0301" tokenize differently from Python's unicodedata.normalize("NFC").
/// </remarks>
internal static class CanonicalNormalizer
{
    // Hangul syllables decompose and compose arithmetically (Unicode ch. 3.12).
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private sealed class Tables
    {
        public readonly Dictionary<int, int> CombiningClass = new();
        public readonly Dictionary<int, int[]> Decomposition = new();
        public readonly Dictionary<long, int> Composition = new();
    }

    private static readonly Lazy<Tables> s_tables = new(Load);

    private static Tables Load()
    {
        var t = new Tables();
        foreach (var row in EmbeddedTable.Rows("Normalization.tsv"))
        {
            switch (row[0])
            {
                case "C": t.CombiningClass[EmbeddedTable.CodePoint(row[1])] = int.Parse(row[2], System.Globalization.CultureInfo.InvariantCulture); break;
                case "D": t.Decomposition[EmbeddedTable.CodePoint(row[1])] = EmbeddedTable.CodePoints(row[2]); break;
                case "P": t.Composition[PairKey(EmbeddedTable.CodePoint(row[1]), EmbeddedTable.CodePoint(row[2]))] = EmbeddedTable.CodePoint(row[3]); break;
                default: throw new InvalidDataException($"Normalization.tsv: unknown row kind '{row[0]}'.");
            }
        }
        return t;
    }

    private static long PairKey(int first, int second) => ((long)first << 21) | (uint)second;

    /// <summary>The canonical combining class of a code point (0 for starters).</summary>
    public static int CombiningClass(int codePoint) =>
        s_tables.Value.CombiningClass.TryGetValue(codePoint, out var ccc) ? ccc : 0;

    /// <summary>NFC of <paramref name="text"/>; returns the same instance when nothing changes.
    /// Lone surrogates pass through unchanged.</summary>
    public static string ToNfc(string text)
    {
        // Everything below U+0300 is a starter that is already in composed form.
        var fast = true;
        foreach (var c in text)
        {
            if (c >= '\u0300') { fast = false; break; }
        }
        if (fast)
            return text;

        var t = s_tables.Value;
        var cps = new List<int>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            int cp = text[i];
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                cp = char.ConvertToUtf32(text[i], text[++i]);
            Decompose(t, cp, cps);
        }
        Reorder(t, cps);
        Compose(t, cps);

        var sb = new StringBuilder(text.Length);
        foreach (var cp in cps)
        {
            if (cp is >= 0xD800 and <= 0xDFFF) sb.Append((char)cp);
            else sb.Append(char.ConvertFromUtf32(cp));
        }
        var result = sb.ToString();
        return result == text ? text : result;
    }

    private static void Decompose(Tables t, int cp, List<int> output)
    {
        var s = cp - SBase;
        if (s is >= 0 and < SCount)
        {
            output.Add(LBase + s / NCount);
            output.Add(VBase + s % NCount / TCount);
            if (s % TCount != 0)
                output.Add(TBase + s % TCount);
            return;
        }
        if (t.Decomposition.TryGetValue(cp, out var full))
            output.AddRange(full); // the table holds full (recursive) canonical decompositions
        else
            output.Add(cp);
    }

    // Canonical ordering: a stable sort of every run of non-starters by combining class.
    private static void Reorder(Tables t, List<int> cps)
    {
        for (var i = 1; i < cps.Count; i++)
        {
            var ccc = Ccc(t, cps[i]);
            if (ccc == 0) continue;
            var j = i;
            while (j > 0)
            {
                var prev = Ccc(t, cps[j - 1]);
                if (prev == 0 || prev <= ccc) break;
                (cps[j - 1], cps[j]) = (cps[j], cps[j - 1]);
                j--;
            }
        }
    }

    private static int Ccc(Tables t, int cp) => t.CombiningClass.TryGetValue(cp, out var c) ? c : 0;

    // Canonical composition (UAX #15 section 1.3): each character that is not blocked from the last
    // starter and forms a primary composite with it is merged into the starter.
    private static void Compose(Tables t, List<int> cps)
    {
        if (cps.Count == 0) return;
        var starterIndex = -1;
        var lastClass = -1;
        var write = 0;
        for (var read = 0; read < cps.Count; read++)
        {
            var cp = cps[read];
            var ccc = Ccc(t, cp);
            if (starterIndex >= 0 && (lastClass < ccc || (lastClass == 0 && write == starterIndex + 1)))
            {
                var composite = ComposePair(t, cps[starterIndex], cp);
                if (composite >= 0)
                {
                    cps[starterIndex] = composite;
                    continue;
                }
            }
            if (ccc == 0)
            {
                starterIndex = write;
                lastClass = 0;
            }
            else
            {
                lastClass = ccc;
            }
            cps[write++] = cp;
        }
        cps.RemoveRange(write, cps.Count - write);
    }

    private static int ComposePair(Tables t, int first, int second)
    {
        var l = first - LBase;
        if (l is >= 0 and < LCount)
        {
            var v = second - VBase;
            if (v is >= 0 and < VCount)
                return SBase + (l * VCount + v) * TCount;
        }
        var s = first - SBase;
        if (s is >= 0 and < SCount && s % TCount == 0)
        {
            var tIndex = second - TBase;
            if (tIndex is > 0 and < TCount)
                return first + tIndex;
        }
        return t.Composition.TryGetValue(PairKey(first, second), out var c) ? c : -1;
    }
}
