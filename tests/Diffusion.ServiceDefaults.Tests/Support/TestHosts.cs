using System.Net;
using Diffusion.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Diffusion.ServiceDefaults.Tests.Support;

/// <summary>Hosts configured the way a service's Program.cs configures itself.</summary>
internal static class TestHosts
{
    /// <summary>A host without a server (like a worker, or the gateway's client side).</summary>
    public static IHost CreateHost(
        string serviceName,
        IEnumerable<KeyValuePair<string, string?>> settings,
        Action<DiffusionTelemetryOptions>? configure = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddDiffusionDefaults(serviceName, options =>
        {
            options.ConsoleLogFormat = ConsoleLogFormat.Unchanged;
            configure?.Invoke(options);
        });
        return builder.Build();
    }

    /// <summary>A Kestrel service on a free loopback port with <paramref name="map"/>'s endpoints.</summary>
    public static WebApplication CreateWebService(
        string serviceName,
        IEnumerable<KeyValuePair<string, string?>> settings,
        Action<DiffusionTelemetryOptions> configure,
        Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        builder.AddDiffusionDefaults(serviceName, options =>
        {
            options.ConsoleLogFormat = ConsoleLogFormat.Unchanged;
            configure(options);
        });
        var app = builder.Build();
        map(app);
        return app;
    }

    public static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());

    public static DiffusionTelemetry Telemetry(this IHost host) => host.Services.GetRequiredService<DiffusionTelemetry>();
}
