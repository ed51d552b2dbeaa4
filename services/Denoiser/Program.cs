using Diffusion.Denoiser;

// The denoiser service: configuration keys in appsettings.json (section "Diffusion").
var app = DenoiserApp.Build(args);
await app.RunAsync();
