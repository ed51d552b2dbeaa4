using System.CommandLine;
using Diffusion.Benchmarking.Commands;

var root = new RootCommand("Diffusion benchmarks: `diffusion-bench bench unet --random-weights sd15 --batch 1 --size 512`.");
root.Subcommands.Add(BenchCommandFactory.Create());
return await root.Parse(args).InvokeAsync();
