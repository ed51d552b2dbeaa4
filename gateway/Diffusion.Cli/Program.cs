using System.CommandLine;
using Diffusion.Cli.Commands;

var root = new RootCommand("Diffusion: Stable Diffusion text-to-image served as gRPC microservices.")
{
    GenerateCommand.Create(),
    ServeCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
