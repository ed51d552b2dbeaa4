using Diffusion.VaeCodec;

// The VAE codec service: configuration keys in appsettings.json (section "Diffusion").
var app = VaeCodecApp.Build(args);
await app.RunAsync();
