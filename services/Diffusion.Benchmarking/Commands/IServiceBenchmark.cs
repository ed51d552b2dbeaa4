using Diffusion.Benchmarking.Reporting;
using Diffusion.Benchmarking.Runners;

namespace Diffusion.Benchmarking.Commands;

/// <summary>The `service` benchmark: a generation through the TextEncoder, Denoiser and VaeCodec services and the gateway
/// vs the same generation in one process. Supplied by the host that can start the services (the CLI's local stack).</summary>
public interface IServiceBenchmark
{
    /// <summary>Runs the same request (<see cref="PipelineBenchmarks.Request"/>) through the services, timed like the in-process
    /// pipeline, and returns its result (implementation "services").</summary>
    Task<BenchmarkResult> RunAsync(BenchOptions options, Action<string> log, CancellationToken cancellationToken);
}
