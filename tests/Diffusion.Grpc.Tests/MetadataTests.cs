using Diffusion.Grpc.Server;

namespace Diffusion.Grpc.Tests;

public sealed class MetadataTests
{
    [Theory]
    [InlineData(new byte[] { 0xab, 0xab, 0xab }, "q6ur")]
    [InlineData(new byte[] { 0x01 }, "AQ")]            // emitted unpadded, as the spec asks
    [InlineData(new byte[] { 0x01, 0x02 }, "AQI")]
    [InlineData(new byte[0], "")]
    public void ToHeaderValue_BinaryEntry_IsUnpaddedBase64(byte[] value, string expected)
    {
        Assert.Equal(expected, MetadataCodec.ToHeaderValue(new Metadata.Entry("trace-bin", value)));
    }

    [Theory]
    [InlineData("AQ==", new byte[] { 0x01 })]
    [InlineData("AQ", new byte[] { 0x01 })]
    [InlineData("AQI=", new byte[] { 0x01, 0x02 })]
    [InlineData("AQI", new byte[] { 0x01, 0x02 })]
    [InlineData("q6ur", new byte[] { 0xab, 0xab, 0xab })]
    public void AddFromHeader_PaddedOrUnpaddedBase64_Decodes(string header, byte[] expected)
    {
        var metadata = new Metadata();

        MetadataCodec.AddFromHeader(metadata, "x-bin", header);

        Assert.Equal(expected, Assert.Single(metadata).ValueBytes);
    }

    [Fact]
    public void AddFromHeader_CommaSeparatedBinaryValues_AddsEachValue()
    {
        var metadata = new Metadata();

        MetadataCodec.AddFromHeader(metadata, "X-Bin", "AQ, AQI=");

        Assert.Collection(metadata,
            e => Assert.Equal(new byte[] { 1 }, e.ValueBytes),
            e => Assert.Equal(new byte[] { 1, 2 }, e.ValueBytes));
        Assert.All(metadata, e => Assert.Equal("x-bin", e.Key));
    }

    [Fact]
    public void AddFromHeader_MalformedBase64_IsDropped()
    {
        var metadata = new Metadata();

        MetadataCodec.AddFromHeader(metadata, "x-bin", "A");
        MetadataCodec.AddFromHeader(metadata, "x-bin", "!!!!");

        Assert.Empty(metadata);
    }

    [Theory]
    [InlineData(":path")]
    [InlineData("content-type")]
    [InlineData("te")]
    [InlineData("grpc-timeout")]
    [InlineData("grpc-encoding")]
    [InlineData("grpc-accept-encoding")]
    [InlineData("grpc-status")]
    [InlineData("grpc-message")]
    public void AddFromHeader_TransportHeader_IsNotMetadata(string name)
    {
        var metadata = new Metadata();

        MetadataCodec.AddFromHeader(metadata, name, "value");

        Assert.Empty(metadata);
    }

    [Fact]
    public void Add_UpperCaseKey_IsLowerCased()
    {
        var metadata = new Metadata().Add("X-Request-Id", "abc");

        Assert.Equal("x-request-id", metadata[0].Key);
        Assert.Equal("abc", metadata.GetValue("x-request-id"));
    }

    [Theory]
    [InlineData("with space")]
    [InlineData("colon:")]
    [InlineData("")]
    [InlineData("ünicode")]
    public void Add_InvalidKey_Throws(string key)
    {
        Assert.ThrowsAny<ArgumentException>(() => new Metadata().Add(key, "v"));
    }

    [Fact]
    public void Add_TextValueUnderBinKey_Throws()
    {
        Assert.Throws<ArgumentException>(() => new Metadata().Add("x-bin", "text"));
        Assert.Throws<ArgumentException>(() => new Metadata().Add("x-text", [1, 2]));
    }

    [Theory]
    [InlineData("line\nbreak")]
    [InlineData("caf\u00E9")]
    public void Add_NonPrintableTextValue_Throws(string value)
    {
        Assert.Throws<ArgumentException>(() => new Metadata().Add("x-text", value));
    }

    [Fact]
    public void GetValue_RepeatedKey_ReturnsLastAndGetAllReturnsEvery()
    {
        var metadata = new Metadata().Add("k", "1").Add("k", "2");

        Assert.Equal("2", metadata.GetValue("k"));
        Assert.Equal(["1", "2"], metadata.GetAll("k").Select(e => e.Value));
    }

    [Theory]
    [InlineData("127.0.0.1", 5000, "ipv4:127.0.0.1:5000")]
    [InlineData("::1", 5000, "ipv6:[::1]:5000")]
    [InlineData("::ffff:10.0.0.2", 80, "ipv4:10.0.0.2:80")]
    public void FormatPeer_Address_UsesGrpcPeerFormat(string address, int port, string expected)
    {
        Assert.Equal(expected, ServerCallContext.FormatPeer(System.Net.IPAddress.Parse(address), port));
    }
}
