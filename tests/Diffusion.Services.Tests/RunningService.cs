using Diffusion.Grpc;
using Diffusion.Grpc.Client;
using Diffusion.Hosting;
using Microsoft.AspNetCore.Builder;

namespace Diffusion.Services.Tests;

/// <summary>A service started in-process on 127.0.0.1 with a free port, and a channel to it.</summary>
internal sealed class RunningService : IAsyncDisposable
{
    private RunningService(WebApplication app, GrpcChannel channel)
    {
        App = app;
        Channel = channel;
    }

    public WebApplication App { get; }
    public GrpcChannel Channel { get; }
    public CallInvoker Calls => Channel.CallInvoker;
    public IServiceProvider Services => App.Services;

    /// <summary>Builds with <paramref name="build"/>, starts, and (unless told not to) waits until the model is ready.</summary>
    public static async Task<RunningService> StartAsync<TModel>(Func<string[], WebApplication> build, bool waitReady = true, params string[] settings)
        where TModel : class
    {
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            "--Diffusion:ModelPath=stand-in-model",
            "--Logging:LogLevel:Default=Warning",
            .. settings.Select(s => "--" + s),
        ];
        var app = build(args);
        await app.StartAsync();
        if (waitReady)
            await ((ModelSlot<TModel>)app.Services.GetService(typeof(ModelSlot<TModel>))!).Ready.WaitAsync(TimeSpan.FromSeconds(30));
        return new RunningService(app, GrpcChannel.ForAddress(app.GetListenAddress()));
    }

    /// <summary>A call that must fail: its exception.</summary>
    public static async Task<RpcException> FailsAsync(Func<Task> call)
    {
        return await Assert.ThrowsAsync<RpcException>(call);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await App.StopAsync(stop.Token).ConfigureAwait(false);
        await App.DisposeAsync().ConfigureAwait(false);
    }
}
