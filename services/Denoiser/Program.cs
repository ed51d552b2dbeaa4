using Diffusion.Denoiser;
using Diffusion.Hosting;

// The denoiser service: configuration keys in appsettings.json (section "Diffusion").
var app = DenoiserApp.Build(args, new TorchModelProvider());
await app.RunAsync();
