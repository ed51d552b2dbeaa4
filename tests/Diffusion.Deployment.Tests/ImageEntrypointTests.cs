using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Diffusion.Deployment.Tests.Support;
using Diffusion.HealthProbe;
using Diffusion.Hosting;

namespace Diffusion.Deployment.Tests;

/// <summary>
/// What a container does, without Docker: the image's ENTRYPOINT assembly started as a process with
/// the image's ENV (port and model path pointed at this machine), its HEALTHCHECK command run until
/// it passes, then SIGTERM (docker stop) and a clean exit within the drain bound.
/// </summary>
public sealed class ImageEntrypointTests
{
    [ReferenceModelTheory]
    [MemberData(nameof(ServiceCatalog.ModelNames), MemberType = typeof(ServiceCatalog))]
    public async Task ModelServiceImage_EntrypointWithImageEnvironment_BecomesHealthyAndStopsOnSigterm(string name)
    {
        // The tiny reference model stands in for /models; everything else is the image's ENV.
        int port = FreePort();
        await RunImageAsync(ServiceCatalog.Get(name), port, new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Diffusion__ModelPath"] = ReferenceModelTheoryAttribute.TinyModel!,
        });
    }

    [Fact]
    public async Task GatewayImage_EntrypointWithImageEnvironment_LivenessHealthyWithoutDownstreams()
    {
        // The image's downstream names (text-encoder, denoiser, vae-codec) do not resolve here: the
        // container must still be healthy (liveness), only not ready ("" NOT_SERVING, checked below).
        int port = FreePort();
        await RunImageAsync(ServiceCatalog.Gateway, port, new Dictionary<string, string>
        {
            ["Gateway__ListenAddress"] = "127.0.0.1",
            ["Gateway__Port"] = port.ToString(CultureInfo.InvariantCulture),
        });
    }

    private static async Task RunImageAsync(ServiceInfo service, int port, IReadOnlyDictionary<string, string> overrides)
    {
        var dockerfile = Dockerfile.Load($"{service.DeployFolder}/Dockerfile");
        var entrypoint = Dockerfile.ExecForm(Assert.Single(dockerfile.Get("ENTRYPOINT")).Arguments);
        string healthcheck = Assert.Single(dockerfile.Get("HEALTHCHECK")).Arguments;
        var probe = Dockerfile.ExecForm(healthcheck[(healthcheck.IndexOf("CMD ", StringComparison.Ordinal) + 4)..]).ToArray();
        // /app/service and /app/probe of the image = this test's output folder (both are referenced).
        string assembly = Path.Combine(AppContext.BaseDirectory, Path.GetFileName(entrypoint[1]));
        Assert.True(File.Exists(assembly), $"{entrypoint[1]}: {Path.GetFileName(assembly)} was not built");
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, Path.GetFileName(probe[1]))), $"{probe[1]} was not built");

        var start = new ProcessStartInfo(entrypoint[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
        start.ArgumentList.Add(assembly);
        foreach (var (key, value) in dockerfile.FinalEnvironment())
            start.Environment[key] = value;
        foreach (var (key, value) in overrides)
            start.Environment[key] = value;
        start.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        using var process = Process.Start(start)!;
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var args = probe.Skip(2).ToArray();
            args[Array.IndexOf(args, "--addr") + 1] = $"http://127.0.0.1:{port}";
            int code = -1;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            while (DateTime.UtcNow < deadline && !process.HasExited)
            {
                code = await ProbeRunner.RunAsync(args, TextWriter.Null, TextWriter.Null);
                if (code == ProbeRunner.Serving)
                    break;
                await Task.Delay(250);
            }
            Assert.True(code == ProbeRunner.Serving, $"HEALTHCHECK never passed (last exit {code}); log:\n{string.Join('\n', log.TakeLast(30))}");
            if (!service.IsModelService)
            {
                int readiness = await ProbeRunner.RunAsync(["--addr", $"http://127.0.0.1:{port}"], TextWriter.Null, TextWriter.Null);
                Assert.Equal(ProbeRunner.NotServing, readiness);
            }

            // docker stop: SIGTERM, then SIGKILL after the grace period.
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
                await kill.WaitForExitAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(new ServiceHostOptions().DrainTimeoutSeconds + 10));
            await process.WaitForExitAsync(cts.Token);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
