using System.CommandLine;
using Diffusion.Benchmarking.Commands;
using Diffusion.Benchmarking.Runners;
using Diffusion.Benchmarks.Runner;
using Diffusion.Cli.Commands;

var benchModels = new TorchBenchModelProvider();
var root = new RootCommand("Diffusion: Stable Diffusion text-to-image served as gRPC microservices.")
{
    GenerateCommand.Create(),
    ServeCommand.Create(),
    EvalCommand.Create(),
    BenchCommandFactory.Create(benchModels, new InProcessServiceBenchmark(benchModels)),
};
return await root.Parse(args).InvokeAsync();
