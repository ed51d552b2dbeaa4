using Diffusion.Grpc.Client;

namespace Diffusion.Grpc.Tests;

public sealed class EndpointTests
{
    private static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(1);

    [Fact]
    public void MarkUnhealthy_WhileAProbeIsPending_SchedulesNoSecondProbe()
    {
        var endpoint = new Endpoint(new Uri("http://10.0.0.1:50051"), null);

        var first = endpoint.MarkUnhealthy("refused", Initial, Max);
        var second = endpoint.MarkUnhealthy("refused again", Initial, Max);

        Assert.NotNull(first);
        Assert.Null(second);
        Assert.Equal(EndpointHealth.Unhealthy, endpoint.Health);
        Assert.Equal("refused again", endpoint.LastError);
    }

    [Fact]
    public void MarkUnhealthy_FromThePendingProbe_SchedulesTheNextWithLongerBackoff()
    {
        // Even when the probe ran a little before NextProbeAt (timers round to milliseconds).
        var endpoint = new Endpoint(new Uri("http://10.0.0.1:50051"), null);
        var first = endpoint.MarkUnhealthy("refused", Initial, Max)!.Value;

        var next = endpoint.MarkUnhealthy("refused", Initial, Max, probe: first.Generation);

        Assert.NotNull(next);
        Assert.NotEqual(first.Generation, next.Value.Generation);
        Assert.Equal(2, endpoint.ConsecutiveFailures);
        Assert.InRange(next.Value.Delay, TimeSpan.FromMilliseconds(160), TimeSpan.FromMilliseconds(240));
        Assert.False(endpoint.IsPendingProbe(first.Generation));
        Assert.True(endpoint.IsPendingProbe(next.Value.Generation));
    }

    [Fact]
    public void MarkReady_CancelsThePendingProbe()
    {
        var endpoint = new Endpoint(new Uri("http://10.0.0.1:50051"), null);
        var probe = endpoint.MarkUnhealthy("refused", Initial, Max)!.Value;

        endpoint.MarkReady();

        Assert.Equal(EndpointHealth.Ready, endpoint.Health);
        Assert.False(endpoint.IsPendingProbe(probe.Generation));
        Assert.Null(endpoint.MarkUnhealthy("stale probe", Initial, Max, probe: probe.Generation));
    }

    [Fact]
    public void MarkUnhealthy_ManyFailures_BackoffStaysUnderTheMaximumPlusJitter()
    {
        var endpoint = new Endpoint(new Uri("http://10.0.0.1:50051"), null);
        var probe = endpoint.MarkUnhealthy("refused", Initial, Max)!.Value;
        for (var i = 0; i < 40; i++)
        {
            probe = endpoint.MarkUnhealthy("refused", Initial, Max, probe: probe.Generation)!.Value;
        }

        Assert.InRange(probe.Delay, TimeSpan.FromMilliseconds(800), TimeSpan.FromMilliseconds(1200));
    }

    [Fact]
    public void GetMethodUri_PathOnEndpoint_DropsAnyBasePath()
    {
        var endpoint = new Endpoint(new Uri("http://10.0.0.1:50051/ignored/"), null);

        Assert.Equal("http://10.0.0.1:50051/diffusion.v1.Denoiser/Denoise", endpoint.GetMethodUri("/diffusion.v1.Denoiser/Denoise").ToString());
    }
}
