using Diffusion.Hosting;
using Diffusion.TextEncoder;

// The text encoder service: configuration keys in appsettings.json (section "Diffusion").
var app = TextEncoderApp.Build(args, new TorchModelProvider());
await app.RunAsync();
