using System.Globalization;
using Diffusion.Grpc;
using Diffusion.Grpc.Server;

namespace Diffusion.Gateway.Tests.Fakes;

/// <summary>Runs before a fake handles call number <paramref name="callIndex"/> (0-based); throw to fail it.</summary>
internal delegate Task FaultHook(int callIndex, ServerCallContext context);

/// <summary>Statuses fakes fail with.</summary>
internal static class Faults
{
    public static RpcException Status(StatusCode code, string detail, int? pushbackMs = null)
    {
        var trailers = new Metadata();
        if (pushbackMs is { } ms)
            trailers.Add("grpc-retry-pushback-ms", ms.ToString(CultureInfo.InvariantCulture));
        return new RpcException(new Status(code, detail), trailers);
    }

    public static RpcException Unavailable(string detail = "replica is restarting") => Status(StatusCode.Unavailable, detail);

    /// <summary>Fails the first <paramref name="count"/> calls with <paramref name="error"/>.</summary>
    public static FaultHook FailFirst(int count, Func<RpcException> error) =>
        (i, _) => i < count ? throw error() : Task.CompletedTask;

    /// <summary>Fails every call while <paramref name="failing"/> says so.</summary>
    public static FaultHook FailWhile(Func<bool> failing, Func<RpcException> error) =>
        (_, _) => failing() ? throw error() : Task.CompletedTask;
}
