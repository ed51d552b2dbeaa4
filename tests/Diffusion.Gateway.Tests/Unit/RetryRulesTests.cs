using Diffusion.Gateway.Options;
using Diffusion.Gateway.Resilience;
using Diffusion.Gateway.Tests.Fakes;
using Diffusion.Grpc;

namespace Diffusion.Gateway.Tests.Unit;

public sealed class RetryRulesTests
{
    private static readonly DateTime Now = new(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DownstreamOptions Options = new() { InitialBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromMilliseconds(800) };

    [Fact]
    public void Decide_Unavailable_RetriesWithinTheBackoffCeiling()
    {
        var random = new Random(1);
        for (int retries = 0; retries < 6; retries++)
        {
            var decision = RetryRules.Decide(Faults.Unavailable(), retries, Options, Now.AddMinutes(1), Now, random);
            Assert.True(decision.Retry);
            double ceiling = Math.Min(100 * Math.Pow(2, retries), 800);
            Assert.InRange(decision.Delay.TotalMilliseconds, 0, ceiling);
            Assert.Equal("UNAVAILABLE", decision.Reason);
        }
    }

    [Fact]
    public void Backoff_ManyDraws_SpreadOverTheWholeJitterRange()
    {
        var random = new Random(7);
        var delays = Enumerable.Range(0, 2000).Select(_ => RetryRules.Backoff(2, Options.InitialBackoff, Options.MaxBackoff, random).TotalMilliseconds).ToList();

        Assert.InRange(delays.Min(), 0, 20);
        Assert.InRange(delays.Max(), 380, 400);
        Assert.InRange(delays.Average(), 180, 220);
    }

    [Theory]
    [InlineData(StatusCode.InvalidArgument)]
    [InlineData(StatusCode.FailedPrecondition)]
    [InlineData(StatusCode.Internal)]
    [InlineData(StatusCode.DeadlineExceeded)]
    [InlineData(StatusCode.Unauthenticated)]
    [InlineData(StatusCode.Cancelled)]
    public void Decide_OtherStatuses_NotRetried(StatusCode code)
    {
        var decision = RetryRules.Decide(Faults.Status(code, "x", pushbackMs: 10), 0, Options, Now.AddMinutes(1), Now, Random.Shared);

        Assert.False(decision.Retry);
    }

    [Fact]
    public void Decide_ResourceExhausted_RetriedOnlyWithPushbackAfterIt()
    {
        var without = RetryRules.Decide(Faults.Status(StatusCode.ResourceExhausted, "full"), 0, Options, Now.AddMinutes(1), Now, Random.Shared);
        var with = RetryRules.Decide(Faults.Status(StatusCode.ResourceExhausted, "full", pushbackMs: 1234), 0, Options, Now.AddMinutes(1), Now, Random.Shared);

        Assert.False(without.Retry);
        Assert.True(with.Retry);
        Assert.Equal(TimeSpan.FromMilliseconds(1234), with.Delay);
    }

    [Fact]
    public void Decide_UnavailableWithPushback_WaitsThePushbackNotTheBackoff()
    {
        var decision = RetryRules.Decide(Faults.Status(StatusCode.Unavailable, "x", pushbackMs: 5000), 0, Options, Now.AddMinutes(1), Now, Random.Shared);

        Assert.Equal(TimeSpan.FromSeconds(5), decision.Delay);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("soon")]
    [InlineData("1.5")]
    [InlineData("")]
    public void Decide_NegativeOrMalformedPushback_NotRetried(string pushback)
    {
        var error = new RpcException(new Status(StatusCode.Unavailable, "x"), new Metadata().Add("grpc-retry-pushback-ms", pushback));

        Assert.False(RetryRules.Decide(error, 0, Options, Now.AddMinutes(1), Now, Random.Shared).Retry);
    }

    [Fact]
    public void Decide_DelayReachesTheDeadline_NotRetried()
    {
        var error = Faults.Status(StatusCode.Unavailable, "x", pushbackMs: 1000);

        var inTime = RetryRules.Decide(error, 0, Options, Now.AddSeconds(2), Now, Random.Shared);
        var late = RetryRules.Decide(error, 0, Options, Now.AddMilliseconds(1010), Now, Random.Shared);

        Assert.True(inTime.Retry);
        Assert.False(late.Retry);
        Assert.Contains("no time left before the deadline", late.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_BrokenDenoiseStream_RetriedWhateverTheStatus()
    {
        var broken = new DenoiseStreamBrokenException(Faults.Status(StatusCode.Internal, "reset"), 3, started: true);

        var decision = RetryRules.Decide(broken, 0, Options, Now.AddMinutes(1), Now, Random.Shared);

        Assert.True(decision.Retry);
        Assert.Equal("failover after INTERNAL", decision.Reason);
    }

    [Theory]
    [InlineData(StatusCode.Unavailable, true)]
    [InlineData(StatusCode.Internal, true)]
    [InlineData(StatusCode.Unknown, true)]
    [InlineData(StatusCode.InvalidArgument, false)]
    [InlineData(StatusCode.ResourceExhausted, false)]
    [InlineData(StatusCode.DeadlineExceeded, false)]
    public void IsBreakerFailure_CountsOnlyServiceFailures(StatusCode code, bool expected)
    {
        Assert.Equal(expected, RetryRules.IsBreakerFailure(Faults.Status(code, "x")));
    }
}
