using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Diffusion.Deployment.Tests.Support;

/// <summary>Counts requests whose path is <paramref name="path"/> (a gRPC method, e.g. <c>/diffusion.v1.Denoiser/Denoise</c>) ahead of the app's own pipeline.</summary>
internal sealed class CountingStartupFilter(string path) : IStartupFilter
{
    private int _count;

    /// <summary>Requests for the path seen so far.</summary>
    public int Count => Volatile.Read(ref _count);

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            if (context.Request.Path.Equals(path, StringComparison.Ordinal))
                Interlocked.Increment(ref _count);
            return nextMiddleware(context);
        });
        next(app);
    };
}
