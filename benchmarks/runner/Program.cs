using System.CommandLine;
using Diffusion.Benchmarking.Commands;
using Diffusion.Benchmarking.Runners;
using Diffusion.Benchmarks.Runner;

var provider = new TorchBenchModelProvider();
var root = new RootCommand("Diffusion benchmarks: `diffusion-bench bench unet --random-weights sd15 --batch 1 --size 512`.");
root.Subcommands.Add(BenchCommandFactory.Create(provider, new InProcessServiceBenchmark(provider)));
return await root.Parse(args).InvokeAsync();
