namespace Diffusion.Grpc.Tests;

public sealed class GrpcMessageEncodingTests
{
    public static TheoryData<string, string> EncodeCases => new()
    {
        { "", "" },
        { "plain text, with (punctuation)!", "plain text, with (punctuation)!" },
        { "100%", "100%25" },
        { "%41", "%2541" },
        { "\t\n\r", "%09%0A%0D" },
        { "\u007F", "%7F" },
        { "\u0000", "%00" },
        { "\u263A", "%E2%98%BA" },
        { "\U0001F608", "%F0%9F%98%88" },
        { "caf\u00E9", "caf%C3%A9" },
        { "~ and space", "~ and space" },
    };

    [Theory]
    [MemberData(nameof(EncodeCases))]
    public void Encode_Message_PercentEncodesAllButPrintableAsciiOtherThanPercent(string message, string expected)
    {
        Assert.Equal(expected, GrpcMessageEncoding.Encode(message));
    }

    [Theory]
    [MemberData(nameof(EncodeCases))]
    public void Decode_EncodedMessage_RoundTrips(string message, string encoded)
    {
        Assert.Equal(message, GrpcMessageEncoding.Decode(encoded));
    }

    [Theory]
    [InlineData("%e2%98%ba", "\u263A")]       // lower-case hex is accepted
    [InlineData("%zz", "%zz")]                // not an escape: kept as it is
    [InlineData("100%", "100%")]
    [InlineData("%4", "%4")]
    [InlineData("a%2", "a%2")]
    [InlineData("%E2%98", "\uFFFD")]          // truncated UTF-8: replacement character, no exception
    [InlineData("caf\u00E9", "caf\u00E9")]    // raw non-ASCII (not legal, but tolerated)
    public void Decode_LenientInput_DoesNotThrow(string value, string expected)
    {
        Assert.Equal(expected, GrpcMessageEncoding.Decode(value));
    }

    [Fact]
    public void Encode_InteropSpecialMessage_RoundTrips()
    {
        const string message = "\t\ntest with whitespace\r\nand Unicode BMP \u263A and non-BMP \U0001F608\t\n";

        var encoded = GrpcMessageEncoding.Encode(message);

        Assert.All(encoded, c => Assert.InRange(c, (char)0x20, (char)0x7E));
        Assert.Equal(message, GrpcMessageEncoding.Decode(encoded));
    }
}
