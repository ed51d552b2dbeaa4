using System.Diagnostics;
using Diffusion.Grpc;
using Diffusion.Grpc.Client;
using Grpc.Health.V1;

namespace Diffusion.Cli.Local;

/// <summary>One service started as a child process (`diffusion serve NAME`), stopped with SIGTERM.</summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private static readonly Method<HealthCheckRequest, HealthCheckResponse> HealthCheck =
        new(MethodType.Unary, "grpc.health.v1.Health", "Check", HealthCheckRequest.Parser, HealthCheckResponse.Parser);

    private readonly Process _process;
    private readonly List<string> _log = [];
    private long _lines;

    private ServiceProcess(string name, string url, Process process)
    {
        Name = name;
        Url = url;
        _process = process;
    }

    public string Name { get; }
    public string Url { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>Lines the process has printed so far (a mark for <see cref="OutputSince"/>).</summary>
    public long OutputLines { get { lock (_log) return _lines; } }

    /// <summary>The lines printed after <paramref name="mark"/> (as far as the last 200 lines reach).</summary>
    public IReadOnlyList<string> OutputSince(long mark)
    {
        lock (_log)
        {
            long take = Math.Min(_lines - mark, _log.Count);
            return take <= 0 ? [] : _log.Skip(_log.Count - (int)take).ToList();
        }
    }

    /// <summary>The last lines the process printed (for error reports).</summary>
    public string RecentOutput { get { lock (_log) return string.Join(Environment.NewLine, _log.TakeLast(30)); } }

    /// <param name="url">Where it listens; a free loopback port when null (a replacement for a dead
    /// replica reuses the dead one's address).</param>
    public static ServiceProcess Start(string name, IEnumerable<string> serveArgs, IReadOnlyDictionary<string, string>? environment = null,
        string? url = null)
    {
        url ??= $"http://127.0.0.1:{FreePort.Next()}";
        var psi = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Run this same CLI: `dotnet Diffusion.Cli.dll serve NAME --urls URL ...` (or the apphost directly).
        string self = typeof(ServiceProcess).Assembly.Location;
        if (Path.GetFileNameWithoutExtension(psi.FileName) == "dotnet") psi.ArgumentList.Add(self);
        psi.ArgumentList.Add("serve");
        psi.ArgumentList.Add(name);
        psi.ArgumentList.Add("--urls");
        psi.ArgumentList.Add(url);
        foreach (var a in serveArgs) psi.ArgumentList.Add(a);
        if (environment is not null)
            foreach (var (k, v) in environment) psi.Environment[k] = v;
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start the {name} process");
        var sp = new ServiceProcess(name, url, process);
        process.OutputDataReceived += (_, e) => sp.Append(e.Data);
        process.ErrorDataReceived += (_, e) => sp.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return sp;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log)
        {
            _lines++;
            _log.Add(line);
            if (_log.Count > 200) _log.RemoveAt(0);
        }
    }

    /// <summary>Waits until grpc.health.v1 says SERVING (weights loaded and warmed up).</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(Url);
        var until = DateTime.UtcNow + timeout;
        string last = "no answer yet";
        while (DateTime.UtcNow < until)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
                throw new InvalidOperationException($"the {Name} service exited with code {_process.ExitCode} while starting:{Environment.NewLine}{RecentOutput}");
            try
            {
                var r = await channel.CallInvoker.UnaryAsync(HealthCheck, new HealthCheckRequest(),
                    CallOptions.WithTimeout(TimeSpan.FromSeconds(2), cancellationToken));
                if (r.Response.Status == HealthCheckResponse.Types.ServingStatus.Serving) return;
                last = r.Response.Status.ToString();
            }
            catch (RpcException ex)
            {
                last = ex.Status.ToString();
            }
            await Task.Delay(200, cancellationToken);
        }
        throw new TimeoutException($"the {Name} service at {Url} was not healthy after {timeout.TotalSeconds:0} s (last: {last}):{Environment.NewLine}{RecentOutput}");
    }

    /// <summary>kill -9: the process dies at once, with no graceful shutdown (fault tests).</summary>
    public void KillHard()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>SIGTERM, then a bounded wait, then kill.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) _ = Kill(_process.Id, 15);
                else _process.Kill(entireProcessTree: true);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // exited meanwhile
            }
        }
        _process.Dispose();
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
