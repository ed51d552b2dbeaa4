using System.Text.Json;
using Diffusion.Gateway.Options;
using Microsoft.Extensions.Configuration;

namespace Diffusion.Gateway.Tests.Unit;

public sealed class OptionsTests
{
    [Fact]
    public void AppSettings_DocumentedValues_EqualTheDefaultsInCode()
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: false)
            .Build();

        var documented = configuration.GetSection(GatewayOptions.SectionName).Get<GatewayOptions>();

        Assert.Equal(JsonSerializer.Serialize(new GatewayOptions()), JsonSerializer.Serialize(documented));
    }

    [Fact]
    public void Validate_Defaults_Pass() => new GatewayOptions().Validate();

    [Theory]
    [InlineData("Port", "70000", "Configuration Gateway:Port: 70000 is not a TCP port")]
    [InlineData("TextEncoder:Address", "dns:///clip:50051", "Configuration Gateway:TextEncoder:Address: 'dns:///clip:50051': dns:/// targets are supported for the denoiser only")]
    [InlineData("Denoiser:Address", "dns:///denoiser", "Configuration Gateway:Denoiser:Address: 'dns:///denoiser' must read dns:///host:port")]
    [InlineData("VaeCodec:Address", "vae:50053", "Configuration Gateway:VaeCodec:Address: 'vae:50053' must be http://host:port")]
    [InlineData("Denoiser:Addresses:1", "ftp://x", "Configuration Gateway:Denoiser:Addresses:1: 'ftp://x' must be http://host:port")]
    [InlineData("Denoiser:MaxAttempts", "0", "Configuration Gateway:Denoiser:MaxAttempts: 0 is outside 1..10")]
    [InlineData("TextEncoder:BreakerBreakDuration", "00:00:00.100", "Configuration Gateway:TextEncoder:BreakerBreakDuration: must be at least 500 ms")]
    [InlineData("Limits:DefaultSteps", "500", "Configuration Gateway:Limits:DefaultSteps")]
    [InlineData("Admission:MaxInFlight", "0", "Configuration Gateway:Admission:MaxInFlight: must be at least 1")]
    public void Validate_BadValue_FailsNamingTheKey(string key, string value, string expected)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Gateway:Denoiser:Addresses:0"] = key.StartsWith("Denoiser:Addresses", StringComparison.Ordinal) ? "http://d0:50052" : null,
                ["Gateway:" + key] = value,
            }.Where(kv => kv.Value is not null))
            .Build();
        var options = configuration.GetSection(GatewayOptions.SectionName).Get<GatewayOptions>()!;

        var error = Assert.Throws<InvalidOperationException>(options.Validate);

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DnsDenoiserTarget_Accepted()
    {
        var options = new GatewayOptions();
        options.Denoiser.Address = "dns:///denoiser-headless.diffusion.svc.cluster.local:50052";

        options.Validate();

        var parsed = DownstreamAddress.Parse(options.Denoiser.Address, "Denoiser:Address", allowDns: true);
        Assert.Equal(("denoiser-headless.diffusion.svc.cluster.local", 50052), (parsed.DnsHost, parsed.DnsPort));
    }
}
