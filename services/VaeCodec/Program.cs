using Diffusion.Hosting;
using Diffusion.VaeCodec;

// The VAE codec service: configuration keys in appsettings.json (section "Diffusion").
var app = VaeCodecApp.Build(args, new TorchModelProvider());
await app.RunAsync();
