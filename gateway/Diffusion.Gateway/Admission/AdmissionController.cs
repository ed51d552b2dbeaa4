using System.Globalization;
using Diffusion.Gateway.Options;
using Diffusion.Gateway.Resilience;
using Diffusion.Grpc;
using Microsoft.Extensions.Options;

namespace Diffusion.Gateway.Admission;

/// <summary>
/// Bounds the generations in flight. A request beyond the bound is refused at once with
/// RESOURCE_EXHAUSTED and a grpc-retry-pushback-ms hint instead of queueing: the gateway holds no
/// queue of its own, so load shows up at the client (and at an autoscaler) rather than as latency.
/// </summary>
internal sealed class AdmissionController(IOptions<GatewayOptions> options)
{
    private readonly AdmissionOptions _options = options.Value.Admission;
    private int _inFlight;

    /// <summary>Generations running now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Takes a slot; dispose the result to give it back.</summary>
    /// <exception cref="RpcException">RESOURCE_EXHAUSTED when every slot is taken.</exception>
    public Lease Enter()
    {
        int now = Interlocked.Increment(ref _inFlight);
        if (now <= _options.MaxInFlight)
            return new Lease(this);
        Interlocked.Decrement(ref _inFlight);
        var trailers = new Metadata().Add(RetryRules.PushbackTrailer, _options.RetryPushbackMs.ToString(CultureInfo.InvariantCulture));
        throw new RpcException(new Status(StatusCode.ResourceExhausted,
            $"The gateway is busy: {_options.MaxInFlight} generations are in flight (its limit); retry in {_options.RetryPushbackMs} ms."), trailers);
    }

    /// <summary>One admitted generation's slot.</summary>
    public sealed class Lease(AdmissionController owner) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                Interlocked.Decrement(ref owner._inFlight);
        }
    }
}
