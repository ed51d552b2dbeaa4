using Diffusion.Gateway.Tests.Support;
using Diffusion.Grpc;
using Grpc.Health.V1;

namespace Diffusion.Gateway.Tests;

public sealed class AuthTests : IDisposable
{
    private readonly string _keysFile = Path.Combine(Path.GetTempPath(), $"gateway-keys-{Guid.NewGuid():N}.txt");

    public AuthTests() => File.WriteAllLines(_keysFile, ["# production keys", "", "key-one", "  key-two  "]);

    public void Dispose() => File.Delete(_keysFile);

    [Fact]
    public async Task Generate_NoKey_UnauthenticatedBeforeAnyWork()
    {
        await using var harness = await StartAsync();

        var error = await harness.GenerateFailsAsync(GatewayHarness.Request());

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal("Missing API key: send metadata 'authorization: Bearer <key>'.", error.Status.Detail);
        Assert.Equal(0, harness.WorkCalls);
    }

    [Theory]
    [InlineData("Bearer key-three")]
    [InlineData("Bearer key-on")]
    [InlineData("Bearer key-one-and-more")]
    [InlineData("Basic key-one")]
    [InlineData("key-one")]
    [InlineData("Bearer ")]
    public async Task Generate_WrongKey_Unauthenticated(string authorization)
    {
        await using var harness = await StartAsync();

        var error = await harness.GenerateFailsAsync(GatewayHarness.Request(), new Metadata().Add("authorization", authorization));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal("Invalid API key.", error.Status.Detail);
        Assert.Equal(0, harness.WorkCalls);
    }

    [Fact]
    public async Task Generate_GoodKey_GeneratesAndKeyStaysAtTheGateway()
    {
        await using var harness = await StartAsync();

        var response = await harness.GenerateAsync(GatewayHarness.Request(), new Metadata().Add("authorization", "bearer key-two"));

        Assert.Single(response.Images);
        Assert.Null(Assert.Single(harness.Encoder.Calls).Authorization);
    }

    [Fact]
    public async Task Generate_KeyFromEnvironmentVariable_Accepted()
    {
        string variable = "GATEWAY_TEST_KEYS_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, "env-key-1, env-key-2");
        try
        {
            var settings = new HarnessSettings();
            settings.Config["Auth:ApiKeysVariable"] = variable;
            await using var harness = await GatewayHarness.StartAsync(settings);

            var response = await harness.GenerateAsync(GatewayHarness.Request(), new Metadata().Add("authorization", "Bearer env-key-2"));
            var error = await harness.GenerateFailsAsync(GatewayHarness.Request());

            Assert.Single(response.Images);
            Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task Health_NoKey_StillAnswers()
    {
        await using var harness = await StartAsync();

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await harness.HealthAsync());
    }

    private Task<GatewayHarness> StartAsync()
    {
        var settings = new HarnessSettings();
        settings.Config["Auth:ApiKeysFile"] = _keysFile;
        return GatewayHarness.StartAsync(settings);
    }
}
