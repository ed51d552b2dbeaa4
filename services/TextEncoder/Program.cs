using Diffusion.TextEncoder;

// The text encoder service: configuration keys in appsettings.json (section "Diffusion").
var app = TextEncoderApp.Build(args);
await app.RunAsync();
