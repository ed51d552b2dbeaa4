using System.Globalization;

namespace Diffusion.Tokenizers.Unicode;

/// <summary>Reads the tab-separated tables embedded from Data/*.tsv (see Data/generate_tables.py).</summary>
internal static class EmbeddedTable
{
    /// <summary>The data rows of a table: '#' comment lines and blank lines skipped, fields split on tabs.</summary>
    public static IEnumerable<string[]> Rows(string fileName)
    {
        var name = "Diffusion.Tokenizers.Data." + fileName;
        using var stream = typeof(EmbeddedTable).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded table {name} is missing from {typeof(EmbeddedTable).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        var rows = new List<string[]>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#')
                continue;
            rows.Add(line.Split('\t'));
        }
        return rows;
    }

    /// <summary>One code point in upper-case hex ("00E9").</summary>
    public static int CodePoint(string hex) => int.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    /// <summary>A space-separated list of hex code points ("0069 0307") as a string.</summary>
    public static string Text(string hexList)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var part in hexList.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            sb.Append(char.ConvertFromUtf32(CodePoint(part)));
        return sb.ToString();
    }

    /// <summary>A space-separated list of hex code points as an array of code points.</summary>
    public static int[] CodePoints(string hexList) =>
        hexList.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(CodePoint).ToArray();
}
