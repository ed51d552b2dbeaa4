using System.Diagnostics;

namespace Diffusion.Imaging.Tests;

/// <summary>Runs Python/pil_oracle.py with Debian's /usr/bin/python3 (python3-pil, python3-numpy:
/// installed by scripts/deps/10-apt.sh). The first python3 on PATH may be another interpreter
/// without PIL, so the path is fixed.</summary>
internal static class PilOracle
{
    public const string Interpreter = "/usr/bin/python3";

    private const string InstallHint =
        "The PNG tests compare against Pillow: install Debian's python3-pil and python3-numpy " +
        "(sudo apt-get install -y python3-pil python3-numpy, or run scripts/deps/10-apt.sh).";

    private static readonly Lazy<string?> s_problem = new(FindProblem);
    private static readonly Lazy<bool> s_torch = new(() => s_problem.Value is null && TryRun(["-c", "import torch"], out _));

    private static string Script => Path.Combine(AppContext.BaseDirectory, "Python", "pil_oracle.py");

    /// <summary>Whether /usr/bin/python3 can import torch (for the optional interpolate check).</summary>
    public static bool HasTorch => s_torch.Value;

    /// <summary>Runs a pil_oracle.py command; fails the test with the install hint when Python or
    /// PIL is missing and with Python's stderr when the command fails.</summary>
    public static void Run(params string[] args)
    {
        if (s_problem.Value is { } problem)
            throw new Xunit.Sdk.XunitException($"{problem}. {InstallHint}");
        if (!TryRun([Script, .. args], out string error))
            throw new Xunit.Sdk.XunitException($"pil_oracle.py {string.Join(' ', args.Take(2))} failed: {error}");
    }

    private static string? FindProblem()
    {
        if (!File.Exists(Interpreter))
            return $"{Interpreter} does not exist";
        return TryRun(["-c", "import PIL, numpy"], out string error) ? null : $"{Interpreter} cannot import PIL/numpy ({error.Trim()})";
    }

    private static bool TryRun(string[] args, out string error)
    {
        var psi = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        error = p.StandardError.ReadToEnd();
        stdout.Wait();
        p.WaitForExit();
        return p.ExitCode == 0;
    }
}

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "diffusion-imaging-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
