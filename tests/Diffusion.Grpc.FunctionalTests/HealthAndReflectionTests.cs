using Diffusion.Grpc.Client;
using Diffusion.Grpc.Health;
using Diffusion.Grpc.Testing;
using Google.Protobuf.Reflection;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Diffusion.Grpc.FunctionalTests;

public sealed class HealthAndReflectionTests : IAsyncLifetime
{
    private static readonly Method<HealthCheckRequest, HealthCheckResponse> Check =
        new(MethodType.Unary, "grpc.health.v1.Health", "Check", HealthCheckRequest.Parser, HealthCheckResponse.Parser);
    private static readonly Method<HealthCheckRequest, HealthCheckResponse> Watch =
        new(MethodType.ServerStreaming, "grpc.health.v1.Health", "Watch", HealthCheckRequest.Parser, HealthCheckResponse.Parser);

    private TestServerHost _server = null!;
    private GrpcChannel _channel = null!;

    private HealthService Health => _server.Services.GetRequiredService<HealthService>();

    public async Task InitializeAsync()
    {
        _server = await TestServerHost.StartAsync(app =>
        {
            new InteropTestService().Map(app);
            app.MapGrpcHealth();
            app.MapGrpcReflection(global::Grpc.Testing.InteropReflection.Descriptor, Google.Protobuf.WellKnownTypes.ApiReflection.Descriptor);
        });
        _channel = GrpcChannel.ForAddress(_server.Address);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Check_Server_IsServingByDefault()
    {
        var result = await _channel.CallInvoker.UnaryAsync(Check, new HealthCheckRequest());

        Assert.Equal(ServingStatus.Serving, result.Response.Status);
    }

    [Fact]
    public async Task Check_ServiceStatus_FollowsSetStatus()
    {
        Health.SetStatus("diffusion.v1.Denoiser", ServingStatus.NotServing);
        var before = await _channel.CallInvoker.UnaryAsync(Check, new HealthCheckRequest { Service = "diffusion.v1.Denoiser" });
        Health.SetStatus("diffusion.v1.Denoiser", ServingStatus.Serving);
        var after = await _channel.CallInvoker.UnaryAsync(Check, new HealthCheckRequest { Service = "diffusion.v1.Denoiser" });

        Assert.Equal(ServingStatus.NotServing, before.Response.Status);
        Assert.Equal(ServingStatus.Serving, after.Response.Status);
    }

    [Fact]
    public async Task Check_UnknownService_IsNotFound()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _channel.CallInvoker.UnaryAsync(Check, new HealthCheckRequest { Service = "no.such.Service" }));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Watch_StreamsCurrentStatusThenChanges()
    {
        using var call = _channel.CallInvoker.ServerStreaming(Watch, new HealthCheckRequest { Service = "diffusion.v1.VaeCodec" });
        var stream = call.ResponseStream;

        Assert.True(await stream.MoveNext());
        Assert.Equal(ServingStatus.ServiceUnknown, stream.Current.Status);
        Health.SetStatus("diffusion.v1.VaeCodec", ServingStatus.NotServing);
        Assert.True(await stream.MoveNext());
        Assert.Equal(ServingStatus.NotServing, stream.Current.Status);
        Health.SetStatus("diffusion.v1.VaeCodec", ServingStatus.Serving);
        Assert.True(await stream.MoveNext());
        Assert.Equal(ServingStatus.Serving, stream.Current.Status);
    }

    [Theory]
    [InlineData("grpc.reflection.v1alpha.ServerReflection")]
    [InlineData("grpc.reflection.v1.ServerReflection")]
    public async Task Reflection_ListServices_NamesEveryMappedService(string service)
    {
        var responses = await ReflectAsync(service, new ServerReflectionRequest { ListServices = "*" });

        var names = Assert.Single(responses).ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("grpc.testing.TestService", names);
        Assert.Contains("grpc.health.v1.Health", names);
        Assert.Contains("grpc.reflection.v1alpha.ServerReflection", names);
    }

    [Theory]
    [InlineData("grpc.testing.TestService")]
    [InlineData("grpc.testing.TestService.UnaryCall")]
    [InlineData("grpc.testing.SimpleRequest")]
    [InlineData("grpc.testing.PayloadType")]
    public async Task Reflection_FileContainingSymbol_ReturnsTheFile(string symbol)
    {
        var responses = await ReflectAsync("grpc.reflection.v1alpha.ServerReflection", new ServerReflectionRequest { FileContainingSymbol = symbol });

        var files = Assert.Single(responses).FileDescriptorResponse.FileDescriptorProto.Select(FileDescriptorProto.Parser.ParseFrom).ToList();
        Assert.Equal("grpc/testing/interop.proto", files[0].Name);
        Assert.Contains(files[0].Service, s => s.Name == "TestService");
    }

    [Fact]
    public async Task Reflection_FileWithImports_ComesWithItsTransitiveDependencies()
    {
        var responses = await ReflectAsync("grpc.reflection.v1alpha.ServerReflection",
            new ServerReflectionRequest { FileContainingSymbol = "google.protobuf.Api" });

        var names = Assert.Single(responses).FileDescriptorResponse.FileDescriptorProto
            .Select(b => FileDescriptorProto.Parser.ParseFrom(b).Name).ToList();
        Assert.Equal("google/protobuf/api.proto", names[0]);
        Assert.Equal(
            new[] { "google/protobuf/any.proto", "google/protobuf/api.proto", "google/protobuf/source_context.proto", "google/protobuf/type.proto" },
            names.Order());
    }

    [Fact]
    public async Task Reflection_SeveralRequestsOnOneStream_AnswersEachInOrder()
    {
        var responses = await ReflectAsync("grpc.reflection.v1alpha.ServerReflection",
            new ServerReflectionRequest { FileByFilename = "grpc/health/v1/health.proto" },
            new ServerReflectionRequest { FileByFilename = "no/such.proto" },
            new ServerReflectionRequest { FileContainingSymbol = "no.Such" });

        Assert.Equal(3, responses.Count);
        Assert.Equal("grpc/health/v1/health.proto",
            FileDescriptorProto.Parser.ParseFrom(responses[0].FileDescriptorResponse.FileDescriptorProto[0]).Name);
        Assert.Equal((int)StatusCode.NotFound, responses[1].ErrorResponse.ErrorCode);
        Assert.Equal((int)StatusCode.NotFound, responses[2].ErrorResponse.ErrorCode);
        Assert.Equal("no/such.proto", responses[1].OriginalRequest.FileByFilename);
    }

    private async Task<List<ServerReflectionResponse>> ReflectAsync(string service, params ServerReflectionRequest[] requests)
    {
        var method = new Method<ServerReflectionRequest, ServerReflectionResponse>(MethodType.DuplexStreaming, service,
            "ServerReflectionInfo", ServerReflectionRequest.Parser, ServerReflectionResponse.Parser);
        using var call = _channel.CallInvoker.DuplexStreaming(method, CallOptions.WithTimeout(TimeSpan.FromSeconds(30)));
        foreach (var request in requests)
        {
            await call.RequestStream.WriteAsync(request);
        }

        await call.RequestStream.CompleteAsync();
        var responses = new List<ServerReflectionResponse>();
        await foreach (var response in call.ReadAllAsync())
        {
            responses.Add(response);
        }

        return responses;
    }
}
