using Diffusion.Cli.Local;
using Diffusion.Testing.Otlp;

namespace Diffusion.EndToEnd.Tests;

/// <summary>
/// TextEncoder, Denoiser, VaeCodec and the gateway as four processes on loopback (the CLI's own
/// local stack) serving the reference tiny model, exporting traces to a receiver of the test's own.
/// </summary>
public sealed class StackFixture : IAsyncLifetime
{
    private LocalStack? _stack;

    public static string ModelDir => TestPaths.ReferenceFile("tiny_sd");

    public OtlpReceiver Otlp { get; private set; } = null!;

    public string GatewayUrl => _stack?.GatewayUrl ?? throw new InvalidOperationException("the stack is not running");

    internal LocalStack Stack => _stack ?? throw new InvalidOperationException("the stack is not running");

    public async Task InitializeAsync()
    {
        Otlp = await OtlpReceiver.StartAsync();
        var environment = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Otlp.GrpcEndpoint.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
        };
        _stack = await LocalStack.StartAsync(ModelDir, "cpu", "f32", _ => { }, TimeSpan.FromMinutes(3), CancellationToken.None, environment);
    }

    public async Task DisposeAsync()
    {
        if (_stack is not null) await _stack.DisposeAsync();
        if (Otlp is not null) await Otlp.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<StackFixture>
{
    public const string Name = "four processes";
}
