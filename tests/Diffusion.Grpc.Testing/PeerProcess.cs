using System.Diagnostics;
using System.Text;
using Diffusion.Testing;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Diffusion.Grpc.Testing;

/// <summary>The real gRPC implementations our transport is tested against.</summary>
public enum PeerKind
{
    /// <summary>Python grpcio (Debian's python3-grpcio, run by /usr/bin/python3).</summary>
    Grpcio,

    /// <summary>Node @grpc/grpc-js (npm, in tests/Diffusion.Grpc.InteropTests/peers/node_modules).</summary>
    GrpcJs,
}

/// <summary>
/// A peer process (tests/Diffusion.Grpc.InteropTests/peers): a server that lives until disposed, or a
/// client run to completion. A server holds our pipe as its stdin and exits when it closes, and
/// disposal kills whatever is left, so no peer outlives its test.
/// </summary>
public sealed class PeerProcess : IAsyncDisposable
{
    /// <summary>Debian's interpreter: the first python3 on PATH may be another one without grpc.</summary>
    public const string Python = "/usr/bin/python3";

    private const string InstallHint = "Install the interop peers with `bash scripts/deps/30-grpc-interop.sh` (./test.sh runs it).";

    private static readonly Lazy<string> DescriptorSet = new(WriteDescriptorSet);

    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private PeerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Target => $"127.0.0.1:{Port}";

    public static string PeersDirectory => Path.Combine(TestPaths.RepoRoot, "tests", "Diffusion.Grpc.InteropTests", "peers");

    /// <summary>Throws, naming the missing install step, when the peer cannot run here.</summary>
    public static void EnsureAvailable(PeerKind kind)
    {
        if (kind == PeerKind.Grpcio)
        {
            var (exitCode, output) = RunQuick(Python, "-c \"import grpc, google.protobuf\"");
            if (exitCode != 0)
            {
                throw new InvalidOperationException(
                    $"grpcio peer unavailable: {Python} cannot import grpc and google.protobuf (python3-grpcio, python3-protobuf): {output.Trim()}. {InstallHint}");
            }
        }
        else
        {
            var (exitCode, output) = RunQuick("node", "--version");
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"grpc-js peer unavailable: node does not run ({output.Trim()}). {InstallHint}");
            }

            foreach (var package in new[] { "@grpc/grpc-js", "@grpc/proto-loader" })
            {
                if (!Directory.Exists(Path.Combine(PeersDirectory, "node_modules", package)))
                {
                    throw new InvalidOperationException($"grpc-js peer unavailable: {package} is not installed in {PeersDirectory}/node_modules. {InstallHint}");
                }
            }
        }
    }

    /// <summary>Starts the peer's TestService server and waits for its port.</summary>
    public static async Task<PeerProcess> StartServerAsync(PeerKind kind)
    {
        EnsureAvailable(kind);
        var process = Start(kind, ["server"]);
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync(timeout.Token)
                    ?? throw new InvalidOperationException($"{kind} server exited before listening: {stderr}");
                if (line.StartsWith("LISTENING ", StringComparison.Ordinal))
                {
                    return new PeerProcess(process, int.Parse(line["LISTENING ".Length..], System.Globalization.CultureInfo.InvariantCulture));
                }
            }
        }
        catch
        {
            Kill(process);
            process.Dispose();
            throw;
        }
    }

    /// <summary>Runs the peer's client (or benchmark) to completion; its stdout lines and stderr.</summary>
    public static async Task<PeerResult> RunClientAsync(PeerKind kind, IEnumerable<string> arguments, TimeSpan timeout)
    {
        EnsureAvailable(kind);
        using var process = Start(kind, arguments);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw new TimeoutException($"{kind} client did not finish within {timeout}: {await stderr}");
        }

        var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new PeerResult(process.ExitCode, lines, await stderr);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await _process.WaitForExitAsync(grace.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            Kill(_process);
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static Process Start(PeerKind kind, IEnumerable<string> arguments)
    {
        var info = kind == PeerKind.Grpcio
            ? new ProcessStartInfo(Python) { ArgumentList = { Path.Combine(PeersDirectory, "grpcio_peer.py") } }
            : new ProcessStartInfo("node") { ArgumentList = { Path.Combine(PeersDirectory, "grpcjs_peer.js") } };
        var args = arguments.ToList();
        info.ArgumentList.Add(args[0]);
        if (kind == PeerKind.Grpcio)
        {
            info.ArgumentList.Add("--descriptors");
            info.ArgumentList.Add(DescriptorSet.Value);
        }

        foreach (var arg in args.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        info.WorkingDirectory = PeersDirectory;
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        info.Environment["PYTHONUNBUFFERED"] = "1";
        return Process.Start(info) ?? throw new InvalidOperationException($"Could not start {info.FileName}.");
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static (int ExitCode, string Output) RunQuick(string fileName, string arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(fileName, arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            if (!process.WaitForExit(30_000))
            {
                Kill(process);
                return (-1, "timed out");
            }

            return (process.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, $"{fileName} not found ({ex.Message})");
        }
    }

    /// <summary>interop.proto as a FileDescriptorSet, from the very descriptor our generated code uses.</summary>
    private static string WriteDescriptorSet()
    {
        var set = new FileDescriptorSet();
        set.File.Add(FileDescriptorProto.Parser.ParseFrom(global::Grpc.Testing.InteropReflection.Descriptor.SerializedData));
        var path = Path.Combine(Path.GetTempPath(), $"diffusion-grpc-interop-{Environment.ProcessId}.pb");
        File.WriteAllBytes(path, set.ToByteArray());
        return path;
    }
}

/// <summary>What a peer client printed.</summary>
public sealed record PeerResult(int ExitCode, IReadOnlyList<string> Lines, string Stderr);
