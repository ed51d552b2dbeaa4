using Diffusion.Benchmarking.Commands;
using Diffusion.Benchmarking.Machine;
using Diffusion.Benchmarking.Reporting;
using Diffusion.Benchmarking.Runners;
using Diffusion.Benchmarking.Statistics;
using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Diffusion.Denoiser;
using Diffusion.Gateway;
using Diffusion.Grpc;
using Diffusion.Grpc.Client;
using Diffusion.Hosting;
using Diffusion.TextEncoder;
using Diffusion.VaeCodec;
using Grpc.Health.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Diffusion.Benchmarks.Runner;

/// <summary>The `service` benchmark: TextEncoder, Denoiser, VaeCodec and the gateway started on loopback (Kestrel, HTTP/2,
/// our gRPC stack), and the same request as the in-process pipeline sent to the gateway's Generate.</summary>
internal sealed class InProcessServiceBenchmark(IBenchModelProvider bench) : IServiceBenchmark
{
    private static readonly Method<HealthCheckRequest, HealthCheckResponse> Check =
        new(MethodType.Unary, "grpc.health.v1.Health", "Check", HealthCheckRequest.Parser, HealthCheckResponse.Parser);

    public async Task<BenchmarkResult> RunAsync(BenchOptions options, Action<string> log, CancellationToken cancellationToken)
    {
        var provider = new HostingModelProvider(bench, options.Source);
        var modelPath = options.Source.ModelDirectory ?? Path.GetTempPath();
        var apps = new List<WebApplication>();
        try
        {
            log("service: starting TextEncoder, Denoiser, VaeCodec and the gateway on loopback");
            var encoder = await StartAsync(args => TextEncoderApp.Build(args, provider), modelPath, options, apps).ConfigureAwait(false);
            var denoiser = await StartAsync(args => DenoiserApp.Build(args, provider), modelPath, options, apps).ConfigureAwait(false);
            var vae = await StartAsync(args => VaeCodecApp.Build(args, provider), modelPath, options, apps).ConfigureAwait(false);
            var config = new Dictionary<string, string?>
            {
                ["Gateway:ListenAddress"] = "127.0.0.1",
                ["Gateway:Port"] = "0",
                ["Gateway:TextEncoder:Address"] = ServiceHost.GetListenAddress(encoder).ToString(),
                ["Gateway:Denoiser:Addresses:0"] = ServiceHost.GetListenAddress(denoiser).ToString(),
                ["Gateway:VaeCodec:Address"] = ServiceHost.GetListenAddress(vae).ToString(),
                ["Gateway:Auth:ApiKeysVariable"] = "",
            };
            var gateway = GatewayApp.Build([], builder =>
            {
                builder.Logging.ClearProviders();
                builder.Configuration.AddInMemoryCollection(config);
            });
            apps.Add(gateway);
            await gateway.StartAsync(cancellationToken).ConfigureAwait(false);
            using var channel = GrpcChannel.ForAddress(GatewayApp.GetListenAddress(gateway),
                new GrpcChannelOptions { MaxReceiveMessageSize = 512 * 1024 * 1024 });
            await WaitServingAsync(channel, TimeSpan.FromMinutes(10), cancellationToken).ConfigureAwait(false);
            log("service: the gateway is serving");

            int run = 0;
            var times = await IterationTimer.MeasureAsync(async ct =>
            {
                // The same numbered prompts as the in-process run, in the same order.
                var request = ToGatewayRequest(PipelineBenchmarks.Request(options.Run, run++));
                var call = await channel.CallInvoker.UnaryAsync(GatewayMethods.Generate, request,
                    CallOptions.WithTimeout(TimeSpan.FromHours(1))).ConfigureAwait(false);
                if (call.Response.Images.Count == 0)
                    throw new InvalidOperationException("the gateway returned no image");
            }, options.Run.Warmup, options.Run.Iterations, (i, warm, ms) => log($"  service {(warm ? "warm-up" : "iter")} {i}: {ms:F1} ms"),
                cancellationToken).ConfigureAwait(false);
            string label = $"{options.Source.RandomArchitecture ?? options.Source.Name} {options.Source.DType} services";
            return BenchmarkResult.FromTimes("service", "services", label, times, options.Run.Warmup, PeakMemory.CurrentProcessMb(),
                new Dictionary<string, string>
                {
                    ["model"] = options.Source.Name,
                    ["dtype"] = options.Source.DType,
                    ["size"] = $"{options.Run.ImageSize}x{options.Run.ImageSize}",
                    ["steps"] = options.Run.Steps.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["transport"] = "gateway + 3 services in this process, gRPC over loopback HTTP/2",
                });
        }
        finally
        {
            for (int i = apps.Count - 1; i >= 0; i--)
            {
                using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await apps[i].StopAsync(stop.Token).ConfigureAwait(false);
                await apps[i].DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The gateway request equal to the in-process <see cref="Pipelines.Generation.GenerationRequest"/> (raw float
    /// output, so neither side encodes a PNG).</summary>
    internal static GenerateRequest ToGatewayRequest(Pipelines.Generation.GenerationRequest r) => new()
    {
        Prompt = r.Prompts[0],
        Width = r.Width,
        Height = r.Height,
        Steps = r.Steps,
        Seed = r.Seed,
        NumImages = r.NumImages,
        GuidanceScale = r.GuidanceScale,
        RawOutput = true,
    };

    private static async Task<WebApplication> StartAsync(Func<string[], WebApplication> build, string modelPath, BenchOptions options,
        List<WebApplication> apps)
    {
        var app = build(
        [
            "--urls", "http://127.0.0.1:0",
            $"--Diffusion:ModelPath={modelPath}",
            $"--Diffusion:Device={options.Source.Device}",
            $"--Diffusion:DType={options.Source.DType}",
            "--Logging:LogLevel:Default=Warning",
        ]);
        apps.Add(app);
        await app.StartAsync().ConfigureAwait(false);
        return app;
    }

    private static async Task WaitServingAsync(GrpcChannel channel, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                var status = (await channel.CallInvoker.UnaryAsync(Check, new HealthCheckRequest()).ConfigureAwait(false)).Response.Status;
                if (status == HealthCheckResponse.Types.ServingStatus.Serving)
                    return;
            }
            catch (RpcException)
            {
                // not listening or not ready yet
            }
            if (DateTime.UtcNow > until)
                throw new TimeoutException("the gateway never became ready (models still loading?)");
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
    }
}
