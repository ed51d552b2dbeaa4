using System.Text.Json;
using System.Text.RegularExpressions;
using Diffusion.Testing;

namespace Diffusion.Deployment.Tests.Support;

/// <summary>One Dockerfile instruction: its keyword (upper case) and its arguments (continuations joined).</summary>
internal sealed record DockerInstruction(string Keyword, string Arguments, string Stage);

/// <summary>
/// A small Dockerfile reader (Dockerfile reference: instructions, <c>\</c> line continuations,
/// <c>#</c> comments, JSON exec form) for the facts the tests compare: stages, ENV, EXPOSE,
/// HEALTHCHECK, ENTRYPOINT, USER and the projects each <c>dotnet publish</c> builds.
/// </summary>
internal sealed partial class Dockerfile
{
    private Dockerfile(string relativePath, IReadOnlyList<DockerInstruction> instructions)
    {
        RelativePath = relativePath;
        Instructions = instructions;
    }

    /// <summary>The path relative to the repository root.</summary>
    public string RelativePath { get; }

    /// <summary>The instructions in order, each tagged with the stage it belongs to.</summary>
    public IReadOnlyList<DockerInstruction> Instructions { get; }

    /// <summary>The name of the last stage (the image that is run).</summary>
    public string FinalStage => Instructions.Last(i => i.Keyword == "FROM").Stage;

    /// <summary>Stage names declared with <c>FROM ... AS name</c>.</summary>
    public IReadOnlyList<string> Stages => Instructions.Where(i => i.Keyword == "FROM").Select(i => i.Stage).ToArray();

    /// <summary>Reads <paramref name="relativePath"/> (relative to the repository root).</summary>
    public static Dockerfile Load(string relativePath)
    {
        string path = Path.Combine(TestPaths.RepoRoot, relativePath);
        Assert.True(File.Exists(path), $"{relativePath} does not exist");
        var instructions = new List<DockerInstruction>();
        string stage = "";
        string pending = "";
        foreach (string raw in File.ReadAllLines(path))
        {
            string line = raw.TrimEnd();
            if (pending.Length == 0 && (line.TrimStart().StartsWith('#') || line.Trim().Length == 0))
                continue;
            if (pending.Length > 0 && line.TrimStart().StartsWith('#'))
                continue; // comment lines inside a continued instruction are dropped, as BuildKit does
            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }
            string text = (pending + line).Trim();
            pending = "";
            int space = text.IndexOf(' ');
            string keyword = (space < 0 ? text : text[..space]).ToUpperInvariant();
            string arguments = space < 0 ? "" : text[(space + 1)..].Trim();
            if (keyword == "FROM")
            {
                var match = FromAs().Match(arguments);
                stage = match.Success ? match.Groups[1].Value : arguments;
            }
            instructions.Add(new DockerInstruction(keyword, arguments, stage));
        }
        Assert.True(pending.Length == 0, $"{relativePath} ends inside a continued line");
        return new Dockerfile(relativePath, instructions);
    }

    /// <summary>Instructions of <paramref name="keyword"/> in <paramref name="stage"/> (all stages when null).</summary>
    public IEnumerable<DockerInstruction> Get(string keyword, string? stage = null) =>
        Instructions.Where(i => i.Keyword == keyword && (stage is null || i.Stage == stage));

    /// <summary>The final stage's ENV variables (key=value form; later ones win).</summary>
    public IReadOnlyDictionary<string, string> FinalEnvironment()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var instruction in Get("ENV", FinalStage))
        {
            foreach (Match m in EnvPair().Matches(instruction.Arguments))
                env[m.Groups[1].Value] = m.Groups[2].Value.Trim('"');
        }
        return env;
    }

    /// <summary>An exec-form (JSON array) instruction's words, e.g. ENTRYPOINT or HEALTHCHECK's CMD.</summary>
    public static IReadOnlyList<string> ExecForm(string arguments)
    {
        int bracket = arguments.IndexOf('[');
        Assert.True(bracket >= 0, $"not exec form (JSON array): {arguments}");
        using var json = JsonDocument.Parse(arguments[bracket..]);
        return json.RootElement.EnumerateArray().Select(e => e.GetString()!).ToArray();
    }

    /// <summary>The project paths passed to <c>dotnet publish</c> in any RUN, in order.</summary>
    public IReadOnlyList<string> PublishedProjects() =>
        Get("RUN").SelectMany(r => Publish().Matches(r.Arguments).Select(m => m.Groups[1].Value)).ToArray();

    [GeneratedRegex(@"\s+AS\s+([A-Za-z0-9_.-]+)\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex FromAs();

    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_]*)=(""[^""]*""|\S*)")]
    private static partial Regex EnvPair();

    [GeneratedRegex(@"dotnet publish\s+(\S+\.csproj)")]
    private static partial Regex Publish();
}
