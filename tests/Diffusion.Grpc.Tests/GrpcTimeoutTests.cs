namespace Diffusion.Grpc.Tests;

public sealed class GrpcTimeoutTests
{
    public static TheoryData<string, long> ValidValues => new()
    {
        { "1H", TimeSpan.TicksPerHour },
        { "2M", 2 * TimeSpan.TicksPerMinute },
        { "30S", 30 * TimeSpan.TicksPerSecond },
        { "250m", 250 * TimeSpan.TicksPerMillisecond },
        { "5u", 50 },
        { "100n", 1 },
        { "1n", 1 },            // rounded up to one tick, never to zero
        { "250n", 3 },
        { "0S", 0 },
        { "99999999H", 99_999_999 * TimeSpan.TicksPerHour },
        { "00000001S", TimeSpan.TicksPerSecond },
    };

    [Theory]
    [MemberData(nameof(ValidValues))]
    public void TryParse_ValidValue_ReturnsTimeout(string text, long expectedTicks)
    {
        Assert.True(GrpcTimeout.TryParse(text, out var timeout));
        Assert.Equal(expectedTicks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("1")]
    [InlineData("123456789S")]   // 9 digits: the spec allows 8
    [InlineData("1x")]
    [InlineData("1h")]
    [InlineData("-1S")]
    [InlineData("1.5S")]
    [InlineData(" 1S")]
    [InlineData("1S ")]
    public void TryParse_MalformedValue_ReturnsFalse(string text)
    {
        Assert.False(GrpcTimeout.TryParse(text, out _));
    }

    public static TheoryData<long, string> FormatCases => new()
    {
        { 0, "1n" },
        { -5, "1n" },
        { 1, "100n" },
        { 10, "1u" },
        { TimeSpan.TicksPerMillisecond, "1m" },
        { 1500 * TimeSpan.TicksPerMillisecond, "1500m" },
        { 30 * TimeSpan.TicksPerSecond, "30S" },
        { 2 * TimeSpan.TicksPerMinute, "2M" },
        { 3 * TimeSpan.TicksPerHour, "3H" },
        { 1_234_567, "123457u" },                                            // 123.4567 ms: no exact unit fits, round up
        { 100_000_000 * TimeSpan.TicksPerSecond, "1666667M" },              // too many seconds for 8 digits
        { TimeSpan.MaxValue.Ticks, "99999999H" },
    };

    [Theory]
    [MemberData(nameof(FormatCases))]
    public void Format_Timeout_UsesShortestExactOrRoundsUp(long ticks, string expected)
    {
        Assert.Equal(expected, GrpcTimeout.Format(TimeSpan.FromTicks(ticks)));
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(7L)]
    [InlineData(123_456_789L)]
    [InlineData(TimeSpan.TicksPerDay * 45)]
    public void Format_ThenParse_NeverShortensAndStaysWithinEightDigits(long ticks)
    {
        var text = GrpcTimeout.Format(TimeSpan.FromTicks(ticks));

        Assert.True(text.Length <= GrpcTimeout.MaxDigits + 1, text);
        Assert.True(GrpcTimeout.TryParse(text, out var parsed));
        Assert.True(parsed.Ticks >= ticks, $"{text} parsed as {parsed.Ticks} ticks < {ticks}");
    }
}
