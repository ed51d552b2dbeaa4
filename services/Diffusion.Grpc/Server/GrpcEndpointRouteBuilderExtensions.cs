using Diffusion.Grpc;
using Diffusion.Grpc.Health;
using Diffusion.Grpc.Reflection;
using Diffusion.Grpc.Server;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps gRPC methods, health and reflection onto ASP.NET Core endpoint routing.</summary>
public static class GrpcEndpointRouteBuilderExtensions
{
    private const string LoggerName = "Diffusion.Grpc.Server";

    public static IEndpointConventionBuilder MapGrpcUnary<TRequest, TResponse>(this IEndpointRouteBuilder endpoints,
        Method<TRequest, TResponse> method, Func<TRequest, ServerCallContext, Task<TResponse>> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        Check(method, MethodType.Unary, handler);
        var (options, logger) = Prepare(endpoints, method.ServiceName);
        var callHandler = new UnaryServerCallHandler<TRequest, TResponse>(method, handler, options, logger);
        return endpoints.MapPost(method.FullName, new RequestDelegate(callHandler.HandleCallAsync)).WithDisplayName("gRPC " + method.FullName);
    }

    public static IEndpointConventionBuilder MapGrpcServerStreaming<TRequest, TResponse>(this IEndpointRouteBuilder endpoints,
        Method<TRequest, TResponse> method, Func<TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        Check(method, MethodType.ServerStreaming, handler);
        var (options, logger) = Prepare(endpoints, method.ServiceName);
        var callHandler = new ServerStreamingServerCallHandler<TRequest, TResponse>(method, handler, options, logger);
        return endpoints.MapPost(method.FullName, new RequestDelegate(callHandler.HandleCallAsync)).WithDisplayName("gRPC " + method.FullName);
    }

    public static IEndpointConventionBuilder MapGrpcDuplexStreaming<TRequest, TResponse>(this IEndpointRouteBuilder endpoints,
        Method<TRequest, TResponse> method, Func<IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        Check(method, MethodType.DuplexStreaming, handler);
        var (options, logger) = Prepare(endpoints, method.ServiceName);
        var callHandler = new DuplexStreamingServerCallHandler<TRequest, TResponse>(method, handler, options, logger);
        return endpoints.MapPost(method.FullName, new RequestDelegate(callHandler.HandleCallAsync)).WithDisplayName("gRPC " + method.FullName);
    }

    /// <summary>
    /// Maps grpc.health.v1.Health (Check and Watch) over the registered <see cref="HealthService"/>,
    /// which is what Kubernetes gRPC probes and grpc_health_probe call.
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcHealth(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var health = endpoints.ServiceProvider.GetRequiredService<HealthService>();
        var check = endpoints.MapGrpcUnary(HealthService.CheckMethod, health.CheckAsync);
        var watch = endpoints.MapGrpcServerStreaming(HealthService.WatchMethod, health.WatchAsync);
        return new CompositeConventionBuilder([check, watch]);
    }

    /// <summary>
    /// Maps server reflection (grpc.reflection.v1alpha, and v1 with the same messages) answering from
    /// <paramref name="files"/>, their dependencies, and the health and reflection protos.
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcReflection(this IEndpointRouteBuilder endpoints, params FileDescriptor[] files)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var registry = endpoints.ServiceProvider.GetService<GrpcServiceRegistry>()
            ?? throw new InvalidOperationException("Call services.AddGrpcTransport() before mapping gRPC endpoints.");
        var service = new ReflectionService(registry, files);
        var builders = ReflectionService.Methods
            .Select(m => endpoints.MapGrpcDuplexStreaming(m, service.ServerReflectionInfoAsync))
            .ToList();
        return new CompositeConventionBuilder(builders);
    }

    private static void Check<TRequest, TResponse>(Method<TRequest, TResponse> method, MethodType expected, Delegate handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(handler);
        if (method.Type != expected)
        {
            throw new ArgumentException($"{method.FullName} is a {method.Type} method, not {expected}.", nameof(method));
        }
    }

    private static (GrpcServerOptions Options, ILogger Logger) Prepare(IEndpointRouteBuilder endpoints, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        var registry = services.GetService<GrpcServiceRegistry>()
            ?? throw new InvalidOperationException("Call services.AddGrpcTransport() before mapping gRPC endpoints.");
        var options = services.GetRequiredService<IOptions<GrpcServerOptions>>().Value;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(LoggerName);
        registry.AddService(serviceName);
        if (!registry.FallbackMapped)
        {
            registry.FallbackMapped = true;
            // Any other "/{service}/{method}" POST: literal routes take precedence over this pattern.
            endpoints.MapPost("/{service}/{method}", new RequestDelegate(UnimplementedCallHandler.HandleAsync))
                .WithDisplayName("gRPC unimplemented method");
        }

        return (options, logger);
    }

    private sealed class CompositeConventionBuilder(IReadOnlyList<IEndpointConventionBuilder> builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var builder in builders)
            {
                builder.Add(convention);
            }
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            foreach (var builder in builders)
            {
                builder.Finally(finallyConvention);
            }
        }
    }
}
