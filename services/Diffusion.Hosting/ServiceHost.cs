using Diffusion.Grpc;
using Diffusion.Grpc.Health;
using Diffusion.Grpc.Server;
using Diffusion.ServiceDefaults;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Diffusion.Hosting;

/// <summary>Builds a model service's host the same way for every service (and for the CLI, which
/// runs them in-process).</summary>
public static class ServiceHost
{
    /// <summary>
    /// A <see cref="WebApplicationBuilder"/> with the service defaults (telemetry as
    /// <paramref name="serviceName"/>), the gRPC transport, Kestrel listening h2c on <c>--urls</c> /
    /// <c>Diffusion:Listen</c> / <paramref name="defaultPort"/>, the bounded shutdown drain, and
    /// <see cref="ServiceHostOptions"/>, <see cref="RequestLimits"/>, <see cref="ModelPlacement"/>,
    /// <see cref="IModelProvider"/> and <see cref="RpcErrorMapper"/> registered.
    /// </summary>
    /// <param name="args">Command-line arguments (<c>--urls URL</c>, <c>--Diffusion:Key=value</c>).</param>
    /// <param name="serviceName">The telemetry <c>service.name</c>, e.g. <c>denoiser</c>.</param>
    /// <param name="defaultPort">The port when neither <c>--urls</c> nor <c>Diffusion:Listen</c> is set.</param>
    /// <param name="provider">The model provider; null = one registered by <paramref name="configure"/>.</param>
    /// <param name="configure">Runs after the defaults and before the options are read.</param>
    /// <exception cref="InvalidOperationException">A configuration value is unusable, or no provider was given.</exception>
    public static WebApplicationBuilder CreateBuilder(string[] args, string serviceName, int defaultPort,
        IModelProvider? provider, Action<WebApplicationBuilder>? configure)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.AddDiffusionDefaults(serviceName);
        configure?.Invoke(builder);

        var options = builder.Configuration.GetSection(ServiceHostOptions.SectionName).Get<ServiceHostOptions>() ?? new ServiceHostOptions();
        var placement = options.Validate();
        var limits = builder.Configuration.GetSection(RequestLimits.SectionName).Get<RequestLimits>() ?? new RequestLimits();
        limits.Validate();
        var endpoint = ListenEndpoint.Resolve(builder.Configuration[WebHostDefaults.ServerUrlsKey], options.Listen, defaultPort);
        // One endpoint, HTTP/2 only (h2c with prior knowledge, as gRPC clients speak). It is given as
        // the server URL rather than with Listen(), which would make Kestrel warn that it overrides --urls.
        builder.WebHost.UseUrls(endpoint.ToUrl());
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2));

        var services = builder.Services;
        if (provider is not null)
            services.AddSingleton(provider);
        else if (!services.Any(s => s.ServiceType == typeof(IModelProvider)))
            throw new InvalidOperationException(
                $"No model provider: pass one to the {serviceName} service's Build method or register an {nameof(IModelProvider)} in configure.");
        services.AddSingleton(Options.Create(options));
        services.AddSingleton(Options.Create(limits));
        services.AddSingleton(placement);
        services.AddSingleton(endpoint);
        services.AddSingleton<RpcErrorMapper>();
        services.AddGrpcTransport(grpc => grpc.MaxReceiveMessageSize = options.MaxReceiveMessageBytes);
        // Kestrel lets calls in flight finish during StopAsync for at most the host's shutdown timeout.
        services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(options.DrainTimeoutSeconds));
        return builder;
    }

    /// <summary>Registers the model of a service: a <see cref="ModelSlot{T}"/> filled by a background
    /// loader (see <see cref="ModelLoader{T}"/>) that gates readiness.</summary>
    /// <param name="create">Builds the loader from the service provider (options, provider...).</param>
    public static IServiceCollection AddModel<T>(this IServiceCollection services, Func<IServiceProvider, ModelLoader<T>> create)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(create);
        services.AddSingleton<ModelSlot<T>>();
        services.AddSingleton<ModelLoader<T>>(create);
        services.AddHostedService<ModelLoaderService<T>>();
        return services;
    }

    /// <summary>Maps health (NOT_SERVING for "" and <paramref name="grpcService"/> until the model is
    /// ready) and reflection.</summary>
    public static void MapModelServiceInfrastructure(this WebApplication app, string grpcService, params Google.Protobuf.Reflection.FileDescriptor[] files)
    {
        ArgumentNullException.ThrowIfNull(app);
        ServiceReadiness.SetAll(app.Services.GetRequiredService<HealthService>(), grpcService, ServingStatus.NotServing);
        app.MapGrpcHealth();
        app.MapGrpcReflection(files);
    }

    /// <summary>Maps a unary method whose handler runs under <see cref="RpcErrorMapper"/>.</summary>
    public static IEndpointConventionBuilder MapModelUnary<TRequest, TResponse>(this WebApplication app, Method<TRequest, TResponse> method,
        Func<TRequest, ServerCallContext, Task<TResponse>> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(app);
        var mapper = app.Services.GetRequiredService<RpcErrorMapper>();
        return app.MapGrpcUnary(method, (request, context) => mapper.UnaryAsync(context, () => handler(request, context)));
    }

    /// <summary>Maps a server-streaming method whose handler runs under <see cref="RpcErrorMapper"/>.</summary>
    public static IEndpointConventionBuilder MapModelServerStreaming<TRequest, TResponse>(this WebApplication app, Method<TRequest, TResponse> method,
        Func<TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(app);
        var mapper = app.Services.GetRequiredService<RpcErrorMapper>();
        return app.MapGrpcServerStreaming(method, (request, writer, context) => mapper.StreamingAsync(context, () => handler(request, writer, context)));
    }

    /// <summary>The address the started service listens on (with the real port when 0 was configured).</summary>
    /// <exception cref="InvalidOperationException">The application has not started.</exception>
    public static Uri GetListenAddress(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The service has not started: call StartAsync first.");
        return new Uri(address.Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal).Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal));
    }
}
