using Diffusion.Cli.Local;

namespace Diffusion.Reliability.Tests;

/// <summary>The four real processes on loopback serving the tiny reference model, the gateway with an API key.</summary>
public sealed class ReliabilityStack : IAsyncLifetime
{
    public const string ApiKey = "reliability-test-key-0123456789";
    private LocalStack? _stack;

    internal LocalStack Stack => _stack ?? throw new InvalidOperationException("the stack is not running");

    public async Task InitializeAsync()
    {
        var environment = new Dictionary<string, string> { ["GATEWAY_API_KEYS"] = ApiKey };
        _stack = await LocalStack.StartAsync(TestPaths.ReferenceFile("tiny_sd"), "cpu", "f32", _ => { },
            TimeSpan.FromMinutes(3), CancellationToken.None, environment,
            gatewayArgs: ["--Gateway:TextEncoder:BreakerBreakDuration=00:00:01"]);
    }

    public async Task DisposeAsync()
    {
        if (_stack is not null) await _stack.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ReliabilityCollection : ICollectionFixture<ReliabilityStack>
{
    public const string Name = "reliability stack";
}
