using System.Net;
using System.Text.Json;
using Diffusion.Denoiser;
using Diffusion.Hosting;
using Diffusion.TextEncoder;
using Microsoft.Extensions.Configuration;

namespace Diffusion.Services.Tests;

/// <summary>Host options: listen address resolution, configuration checks, and appsettings.json
/// documenting every key with the code's defaults.</summary>
public sealed class HostingTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5005", null, "127.0.0.1", 5005)]
    [InlineData("http://*:7000;http://localhost:7001", null, "0.0.0.0", 7000)]
    [InlineData(null, "http://localhost:0", "127.0.0.1", 0)]
    [InlineData("http://[::1]:6000", "http://0.0.0.0:1", "::1", 6000)]
    [InlineData(null, null, "0.0.0.0", 50052)]
    public void Resolve_UrlsThenListenThenDefault(string? urls, string? listen, string address, int port)
    {
        var endpoint = ListenEndpoint.Resolve(urls, listen, 50052);

        Assert.Equal(IPAddress.Parse(address), endpoint.Address);
        Assert.Equal(port, endpoint.Port);
    }

    [Fact]
    public async Task Start_UrlsList_ListensOnTheFirstOnlyWithHttp2()
    {
        var app = DenoiserApp.Build(["--urls", "http://127.0.0.1:0;http://localhost:1", "--Diffusion:ModelPath=m",
            "--Logging:LogLevel:Default=None"], new StandInProvider());
        await app.StartAsync();
        try
        {
            var addresses = ((Microsoft.AspNetCore.Hosting.Server.IServer)app.Services.GetService(typeof(Microsoft.AspNetCore.Hosting.Server.IServer))!)
                .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses;
            var address = Assert.Single(addresses);
            Assert.StartsWith("http://127.0.0.1:", address, StringComparison.Ordinal);
            // HTTP/1.1 is refused: Kestrel answers 400 on an HTTP/2-only endpoint (an endpoint that
            // also spoke HTTP/1.1 would route the request and answer 404).
            using var http = new HttpClient();
            using var response = await http.GetAsync(address);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("https://127.0.0.1:5005")]
    [InlineData("http://some-host:5005")]
    [InlineData("not a url")]
    public void Resolve_UnusableUrl_NamesTheKey(string urls)
    {
        var error = Assert.Throws<InvalidOperationException>(() => ListenEndpoint.Resolve(urls, null, 1));
        Assert.Contains("urls", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "cpu", "f32", "Diffusion:ModelPath")]
    [InlineData("m", "tpu", "f32", "Diffusion:Device")]
    [InlineData("m", "cuda:x", "f32", "Diffusion:Device")]
    [InlineData("m", "cpu", "f8", "Diffusion:DType")]
    public void Validate_BadHostOptions_NamesTheKey(string? model, string device, string dtype, string key)
    {
        var options = new ServiceHostOptions { ModelPath = model, Device = device, DType = dtype };
        var error = Assert.Throws<InvalidOperationException>(options.Validate);
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_CudaDeviceAndHalfNames_Normalized()
    {
        var placement = new ServiceHostOptions { ModelPath = "m", Device = "CUDA:1", DType = "float16" }.Validate();
        Assert.Equal(new ModelPlacement("cuda:1", "f16"), placement);
    }

    [Fact]
    public void Build_WithoutModelPath_FailsNamingTheKey()
    {
        var error = Assert.Throws<InvalidOperationException>(() => DenoiserApp.Build(["--urls", "http://127.0.0.1:0"], new StandInProvider()));
        Assert.Contains("Diffusion:ModelPath", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("services/Denoiser/appsettings.json")]
    [InlineData("services/TextEncoder/appsettings.json")]
    [InlineData("services/VaeCodec/appsettings.json")]
    public void AppSettings_DocumentsEveryHostKeyWithTheCodeDefault(string path)
    {
        // In-process hosts (the CLI, these tests) run without the service's appsettings.json: the
        // file must hold exactly the code's defaults so both ways behave the same.
        var config = Load(path);
        var section = config.GetSection(ServiceHostOptions.SectionName);
        foreach (var property in typeof(ServiceHostOptions).GetProperties())
        {
            Assert.True(section.GetSection(property.Name).Exists() || section.GetSection("//" + property.Name).Exists(), $"{path}: Diffusion:{property.Name} is not documented");
            Assert.NotNull(section["//" + property.Name]);
        }
        AssertDefaults(new ServiceHostOptions(), section.Get<ServiceHostOptions>()!, path);
        var limits = config.GetSection(RequestLimits.SectionName);
        Assert.True(limits.Exists(), $"{path}: no Diffusion:Limits");
        AssertDefaults(new RequestLimits(), limits.Get<RequestLimits>()!, path);
    }

    [Fact]
    public void AppSettings_ServiceSectionsDocumentEveryKeyWithTheCodeDefault()
    {
        var denoiser = Load("services/Denoiser/appsettings.json").GetSection(DenoiserOptions.SectionName);
        foreach (var property in typeof(DenoiserOptions).GetProperties())
            Assert.NotNull(denoiser["//" + property.Name]);
        AssertDefaults(new DenoiserOptions(), denoiser.Get<DenoiserOptions>()!, "Denoiser");
        var encoder = Load("services/TextEncoder/appsettings.json").GetSection(TextEncoderOptions.SectionName);
        foreach (var property in typeof(TextEncoderOptions).GetProperties())
            Assert.NotNull(encoder["//" + property.Name]);
        AssertDefaults(new TextEncoderOptions(), encoder.Get<TextEncoderOptions>()!, "TextEncoder");
        var vae = Load("services/VaeCodec/appsettings.json").GetSection(Diffusion.VaeCodec.VaeCodecOptions.SectionName);
        foreach (var property in typeof(Diffusion.VaeCodec.VaeCodecOptions).GetProperties())
            Assert.NotNull(vae["//" + property.Name]);
        AssertDefaults(new Diffusion.VaeCodec.VaeCodecOptions(), vae.Get<Diffusion.VaeCodec.VaeCodecOptions>()!, "VaeCodec");
    }

    private static IConfiguration Load(string relativePath)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")))
            dir = dir.Parent;
        Assert.NotNull(dir);
        string path = Path.Combine(dir.FullName, relativePath);
        using var _ = JsonDocument.Parse(File.ReadAllText(path)); // well-formed JSON
        return new ConfigurationBuilder().AddJsonFile(path).Build();
    }

    private static void AssertDefaults<T>(T expected, T actual, string where)
    {
        foreach (var property in typeof(T).GetProperties())
            Assert.True(Equals(property.GetValue(expected), property.GetValue(actual)),
                $"{where}: {property.Name} is {property.GetValue(actual)} but the code default is {property.GetValue(expected)}");
    }
}
