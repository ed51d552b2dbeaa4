using Diffusion.Gateway;

// The public gateway: configuration in appsettings.json (section "Gateway"), overridable by
// environment variables Gateway__X__Y and --Gateway:X:Y=value arguments.
var app = GatewayApp.Build(args);
await app.RunAsync();
