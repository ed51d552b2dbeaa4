using Diffusion.Denoiser;

namespace Diffusion.Services.Tests;

/// <summary>One denoiser on stand-in models shared by the tests that do not change its configuration.</summary>
public sealed class DenoiserFixture : IAsyncLifetime
{
    internal StandInProvider Provider { get; } = new();
    internal RunningService Service { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Service = await RunningService.StartAsync<DenoiserRuntime>(args => DenoiserApp.Build(args, Provider));

    public async Task DisposeAsync() => await Service.DisposeAsync();
}
