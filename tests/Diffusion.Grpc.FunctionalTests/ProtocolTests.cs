using System.Net;
using System.Net.Http;
using Diffusion.Grpc.Testing;
using Grpc.Testing;

namespace Diffusion.Grpc.FunctionalTests;

/// <summary>The server at the byte level: framing, Trailers-Only, malformed frames, 415, 426, compression.</summary>
public sealed class ProtocolTests : IAsyncLifetime
{
    private const string UnaryPath = "/grpc.testing.TestService/UnaryCall";
    private TestServerHost _server = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServerHost.StartAsync(new InteropTestService().Map, o => o.MaxReceiveMessageSize = 64 * 1024, withHttp1Port: true);
        _client = Raw.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Unary_RawRequest_AnswersOneFrameThenOkTrailers()
    {
        var body = Raw.Frame(new SimpleRequest { ResponseSize = 10 });

        using var response = await _client.SendAsync(Raw.Request(_server.Address, UnaryPath, body));
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new Version(2, 0), response.Version);
        Assert.Equal("application/grpc", response.Content.Headers.ContentType?.MediaType);
        Assert.False(response.Headers.Contains("server"), "Kestrel's server header leaks into client metadata");
        var frame = Assert.Single(Raw.Frames(bytes));
        Assert.Equal(0, frame.Flag);
        Assert.Equal(10, SimpleResponse.Parser.ParseFrom(frame.Payload).Payload.Body.Length);
        Assert.Equal("0", response.TrailingHeaders.GetValues("grpc-status").Single());
        Assert.False(response.Headers.Contains("grpc-status"));
    }

    [Fact]
    public async Task HandlerError_BeforeAnyMessage_IsTrailersOnlyWithPercentEncodedMessage()
    {
        var request = new SimpleRequest { ResponseStatus = new EchoStatus { Code = 5, Message = "no such model: 100% \u263A" } };

        using var response = await _client.SendAsync(Raw.Request(_server.Address, UnaryPath, Raw.Frame(request)));
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(bytes);
        Assert.Equal("5", response.Headers.GetValues("grpc-status").Single());
        Assert.Equal("no such model: 100%25 %E2%98%BA", response.Headers.GetValues("grpc-message").Single());
        Assert.Empty(response.TrailingHeaders);
    }

    public static TheoryData<string, byte[], string> MalformedBodies => new()
    {
        // A request frame the server cannot read is the caller's error: INVALID_ARGUMENT (issue 10: never INTERNAL).
        { "truncated prefix", new byte[] { 0, 0, 0 }, "3" },
        { "length larger than the body", new byte[] { 0, 0, 0, 0, 10, 1, 2, 3 }, "3" },
        { "length over the limit", Over64KiB(), "8" },
        { "compressed flag without grpc-encoding", new byte[] { 1, 0, 0, 0, 0 }, "3" },
        { "flag that is neither 0 nor 1", new byte[] { 7, 0, 0, 0, 0 }, "3" },
        { "no message at all", Array.Empty<byte>(), "13" },
        { "two messages for a unary call", [.. Raw.Frame(new SimpleRequest()), .. Raw.Frame(new SimpleRequest())], "13" },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task MalformedRequest_AnswersGrpcStatus(string what, byte[] body, string expectedStatus)
    {
        using var response = await _client.SendAsync(Raw.Request(_server.Address, UnaryPath, body));
        await response.Content.ReadAsByteArrayAsync();

        Assert.True(HttpStatusCode.OK == response.StatusCode, $"{what}: HTTP {response.StatusCode} {response.Headers} {response.TrailingHeaders}");
        Assert.True(expectedStatus == Raw.GrpcStatus(response), $"{what}: grpc-status {Raw.GrpcStatus(response)}, grpc-message {Raw.Header(response, "grpc-message")}");
    }

    [Fact]
    public async Task CompressedRequest_WithUnsupportedEncoding_IsUnimplementedWithAcceptEncoding()
    {
        var request = Raw.Request(_server.Address, UnaryPath, [1, 0, 0, 0, 1, 0]);
        request.Headers.TryAddWithoutValidation("grpc-encoding", "snappy");

        using var response = await _client.SendAsync(request);

        Assert.Equal("12", Raw.GrpcStatus(response));
        Assert.Equal("identity,gzip", response.Headers.GetValues("grpc-accept-encoding").Single());
    }

    [Fact]
    public async Task GzipRequest_IsDecompressed()
    {
        var request = Raw.Request(_server.Address, UnaryPath, Raw.Frame(new SimpleRequest { ResponseSize = 7, Payload = new Payload { Body = InteropTestService.Payload(50_000) } }, gzip: true));
        request.Headers.TryAddWithoutValidation("grpc-encoding", "gzip");

        using var response = await _client.SendAsync(request);
        var frame = Assert.Single(Raw.Frames(await response.Content.ReadAsByteArrayAsync()));

        Assert.Equal("0", Raw.GrpcStatus(response));
        Assert.Equal(7, SimpleResponse.Parser.ParseFrom(frame.Payload).Payload.Body.Length);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/grpc+json")]
    [InlineData("text/plain")]
    [InlineData(null)]
    public async Task WrongContentType_Is415(string? contentType)
    {
        using var response = await _client.SendAsync(Raw.Request(_server.Address, UnaryPath, Raw.Frame(new SimpleRequest()), contentType));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Theory]
    [InlineData("application/grpc+proto")]
    [InlineData("application/grpc; charset=utf-8")]
    public async Task GrpcContentTypeVariants_AreAccepted(string contentType)
    {
        using var response = await _client.SendAsync(Raw.Request(_server.Address, UnaryPath, Raw.Frame(new SimpleRequest()), contentType));
        await response.Content.ReadAsByteArrayAsync();

        Assert.Equal("0", Raw.GrpcStatus(response));
    }

    [Fact]
    public async Task Http11Request_Is426()
    {
        using var client = new HttpClient();
        var request = Raw.Request(new Uri($"http://127.0.0.1:{_server.Http1Port}"), UnaryPath, Raw.Frame(new SimpleRequest()));
        request.Version = HttpVersion.Version11;
        request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
        Assert.Equal("HTTP/2", response.Headers.Upgrade.Single().ToString());
    }

    [Fact]
    public async Task UnknownMethod_IsUnimplemented()
    {
        using var response = await _client.SendAsync(Raw.Request(_server.Address, "/grpc.testing.TestService/NoSuchMethod", Raw.Frame(new Empty())));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("12", Raw.GrpcStatus(response));
    }

    [Fact]
    public async Task GrpcTimeoutHeader_ExpiresHandler_AnswersDeadlineExceeded()
    {
        // FullDuplexCall waits for requests that never come: only the deadline ends it.
        var request = Raw.Request(_server.Address, "/grpc.testing.TestService/FullDuplexCall", []);
        request.Content = new PushForever();
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/grpc");
        request.Headers.TryAddWithoutValidation("grpc-timeout", "200m");

        var started = DateTime.UtcNow;
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await response.Content.ReadAsByteArrayAsync();

        Assert.Equal("4", Raw.GrpcStatus(response));
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(10));
    }

    private static byte[] Over64KiB()
    {
        var frame = Raw.Frame(new SimpleRequest { Payload = new Payload { Body = InteropTestService.Payload(70_000) } });
        return frame;
    }

    /// <summary>A request body that never ends (until the call is over).</summary>
    private sealed class PushForever : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            await Task.Delay(Timeout.Infinite);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await stream.FlushAsync(cancellationToken);
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
