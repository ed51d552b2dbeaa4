namespace Diffusion.Gateway.Tests.Support;

/// <summary>One default harness shared by the tests of a class (validation tables make no downstream calls).</summary>
public sealed class HarnessFixture : IAsyncLifetime
{
    internal GatewayHarness Harness { get; private set; } = null!;

    public async Task InitializeAsync() => Harness = await GatewayHarness.StartAsync(Settings());

    public async Task DisposeAsync() => await Harness.DisposeAsync();

    private static HarnessSettings Settings()
    {
        var settings = new HarnessSettings();
        settings.Config["Limits:MaxPromptBytes"] = "100";
        settings.Config["Limits:MaxSteps"] = "60";
        settings.Config["Limits:MaxImages"] = "3";
        settings.Config["Limits:MaxImageSize"] = "512";
        settings.Config["Limits:MaxSchedulerOptions"] = "2";
        return settings;
    }
}
