using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using Diffusion.ServiceDefaults.Telemetry;
using Diffusion.ServiceDefaults.Tests.Support;
using Diffusion.Testing.Otlp;
using static Diffusion.ServiceDefaults.Tests.Receiver.OtlpWireEncoder;

namespace Diffusion.ServiceDefaults.Tests.Receiver;

/// <summary>The receiver at the wire level, with hand-built requests.</summary>
public sealed class OtlpReceiverTests : IAsyncLifetime
{
    private const string GrpcTracePath = "opentelemetry.proto.collector.trace.v1.TraceService/Export";
    private static readonly byte[] TraceId = Convert.FromHexString("0af7651916cd43dd8448eb211c80319c");
    private static readonly byte[] SpanId = Convert.FromHexString("b7ad6b7169203331");
    private static readonly byte[] ParentId = Convert.FromHexString("00f067aa0ba902b7");

    private readonly HttpClient _http = new();
    private OtlpReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await OtlpReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task PostTraces_HandEncodedSpan_EveryFieldDecoded()
    {
        using var response = await PostProtobufAsync("v1/traces", HandEncodedTraceRequest());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-protobuf", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());

        var span = Assert.Single(_receiver.Spans);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", span.TraceId);
        Assert.Equal("b7ad6b7169203331", span.SpanId);
        Assert.Equal("00f067aa0ba902b7", span.ParentSpanId);
        Assert.Equal("congo=t61rcWkgMzE", span.TraceState);
        Assert.Equal("diffusion.denoise.step", span.Name);
        Assert.Equal(OtlpSpanKind.Client, span.Kind);
        Assert.Equal(1_700_000_000_000_000_000UL, span.StartTimeUnixNano);
        Assert.Equal(1_700_000_000_250_000_000UL, span.EndTimeUnixNano);
        Assert.Equal(TimeSpan.FromMilliseconds(250), span.Duration);
        Assert.Equal(0x301u, span.Flags);
        Assert.Equal(OtlpStatusCode.Error, span.StatusCode);
        Assert.Equal("diverged", span.StatusMessage);
        Assert.Equal("hand-encoded", span.ServiceName);
        Assert.Equal("Diffusion.Denoiser", span.ScopeName);
        Assert.Equal("9.9", span.ScopeVersion);

        Assert.Equal("a cat", span.Attributes["s"]);
        Assert.Equal(true, span.Attributes["b"]);
        Assert.Equal(-42L, span.Attributes["i"]);
        Assert.Equal(0.5, span.Attributes["d"]);
        Assert.Equal(new byte[] { 1, 2, 3 }, span.Attributes["bytes"]);
        Assert.Equal(new object?[] { 1L, "two" }, span.Attributes["array"]);
        var kv = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(span.Attributes["kvlist"]);
        Assert.Equal("v", kv["k"]);
        Assert.Null(span.Attributes["empty"]);

        var export = Assert.Single(_receiver.Exports);
        Assert.Equal(new ReceivedExport(OtlpSignal.Traces, OtlpTransport.HttpProtobuf, false, "HTTP/1.1", 1, null), export);
    }

    [Fact]
    public async Task PostTraces_GzipContentEncoding_Decompressed()
    {
        using var response = await PostProtobufAsync("v1/traces", Gzip(HandEncodedTraceRequest()), contentEncoding: "gzip");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("b7ad6b7169203331", Assert.Single(_receiver.Spans).SpanId);
        Assert.True(Assert.Single(_receiver.Exports).Compressed);
    }

    [Theory]
    [InlineData("application/json", null, HttpStatusCode.UnsupportedMediaType)]
    [InlineData("application/x-protobuf", "br", HttpStatusCode.UnsupportedMediaType)]
    public async Task PostTraces_UnsupportedEncoding_Rejected(string contentType, string? contentEncoding, HttpStatusCode expected)
    {
        using var response = await PostProtobufAsync("v1/traces", HandEncodedTraceRequest(), contentEncoding, contentType);

        Assert.Equal(expected, response.StatusCode);
        Assert.Empty(_receiver.Exports);
    }

    [Fact]
    public async Task PostTraces_MalformedProtobuf_BadRequestAndNothingStored()
    {
        // Field 1 announced as a 100-byte length-delimited value, with 2 bytes following.
        using var response = await PostProtobufAsync("v1/traces", [0x0A, 100, 1, 2]);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(_receiver.Spans);
        Assert.Empty(_receiver.Exports);
    }

    [Fact]
    public async Task PostTraces_SpanIdOfWrongLength_BadRequest()
    {
        var request = Message(o => Nested(o, 1, rs => Nested(rs, 2, ss => Nested(ss, 2, span =>
        {
            Bytes(span, 1, TraceId);
            Bytes(span, 2, [1, 2, 3]);
        }))));

        using var response = await PostProtobufAsync("v1/traces", request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("span_id", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostTraces_CorruptGzip_BadRequest()
    {
        // A valid gzip header, then a deflate block of the reserved type 3 (RFC 1951, 3.2.3).
        using var response = await PostProtobufAsync(
            "v1/traces", [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF], contentEncoding: "gzip");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Requests_WrongMethodOrPath_405And404()
    {
        using var get = await _http.GetAsync(new Uri(_receiver.HttpEndpoint, "v1/traces"));
        using var unknown = await PostProtobufAsync("v1/profiles", []);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task GrpcExport_EmptyRequest_OkStatusAndEmptyResponseFrame()
    {
        using var response = await SendGrpcAsync(Frame([], compressed: false));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new byte[5], await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("0", GrpcStatus(response));
        var export = Assert.Single(_receiver.Exports);
        Assert.Equal(new ReceivedExport(OtlpSignal.Traces, OtlpTransport.Grpc, false, "HTTP/2", 0, null), export);
    }

    [Fact]
    public async Task GrpcExport_CompressedFrameWithGzipEncoding_Decoded()
    {
        using var response = await SendGrpcAsync(Frame(Gzip(HandEncodedTraceRequest()), compressed: true), grpcEncoding: "gzip");

        Assert.Equal("0", GrpcStatus(response));
        Assert.Equal("b7ad6b7169203331", Assert.Single(_receiver.Spans).SpanId);
        Assert.True(Assert.Single(_receiver.Exports).Compressed);
    }

    [Fact]
    public async Task GrpcExport_CompressedFrameWithoutEncoding_Unimplemented()
    {
        using var response = await SendGrpcAsync(Frame(Gzip(HandEncodedTraceRequest()), compressed: true));

        Assert.Equal("12", GrpcStatus(response));
        Assert.Empty(_receiver.Spans);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0 })]
    [InlineData(new byte[] { 0, 0, 0, 0, 9, 1 })]
    [InlineData(new byte[] { 7, 0, 0, 0, 0 })]
    public async Task GrpcExport_BrokenFrame_InternalStatusWithMessage(byte[] body)
    {
        using var response = await SendGrpcAsync(body);

        Assert.Equal("13", GrpcStatus(response));
        Assert.True(response.TrailingHeaders.TryGetValues("grpc-message", out var message));
        Assert.NotEmpty(Assert.Single(message));
        Assert.Empty(_receiver.Exports);
    }

    [Fact]
    public async Task GrpcExport_OverHttp11_UpgradeRequired()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_receiver.HttpEndpoint, GrpcTracePath))
        {
            Content = new ByteArrayContent(Frame([], compressed: false)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
    }

    [Fact]
    public async Task Receiver_ExportsTracedByListenerOfAspNetCore_ReceiverDoesNotTraceItself()
    {
        using var telemetry = DiffusionTelemetry.Create(
            new DiffusionTelemetryOptions { ServiceName = "gateway" },
            OtlpSettings.Configuration(_receiver, OtlpSettings.HttpProtobuf));
        using (DiffusionActivitySources.Gateway.StartActivity(DiffusionSpanNames.Generate))
        {
        }

        // The first flush delivers the span. Were the receiver's Kestrel traced under
        // "Microsoft.AspNetCore", handling that export would end a server span, which the second
        // flush would deliver.
        Assert.True(telemetry.ForceFlush(OtlpSettings.FlushTimeout));
        Assert.True(telemetry.ForceFlush(OtlpSettings.FlushTimeout));

        Assert.Equal(DiffusionSpanNames.Generate, Assert.Single(_receiver.Spans).Name);
    }

    [Fact]
    public async Task WaitForSpansAsync_TooFewArrive_TimeoutListsWhatArrived()
    {
        using (await PostProtobufAsync("v1/traces", HandEncodedTraceRequest()))
        {
        }

        var stopwatch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<TimeoutException>(
            () => _receiver.WaitForSpansAsync(s => s.ServiceName == "hand-encoded", count: 2, timeout: TimeSpan.FromMilliseconds(200)));

        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(5));
        Assert.Contains("1 matched", error.Message, StringComparison.Ordinal);
        Assert.Contains("diffusion.denoise.step", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WaitForSpansAsync_SpanArrivesWhileWaiting_Completes()
    {
        var wait = _receiver.WaitForSpansAsync(s => s.Name == "diffusion.denoise.step");
        Assert.False(wait.IsCompleted);

        using (await PostProtobufAsync("v1/traces", HandEncodedTraceRequest()))
        {
        }

        Assert.Single(await wait);
    }

    [Fact]
    public async Task Clear_AfterSpans_SnapshotsEmpty()
    {
        using (await PostProtobufAsync("v1/traces", HandEncodedTraceRequest()))
        {
        }

        _receiver.Clear();

        Assert.Empty(_receiver.Spans);
        Assert.Empty(_receiver.Exports);
    }

    // trace_service.proto / trace.proto / common.proto / resource.proto field numbers.
    private static byte[] HandEncodedTraceRequest() => Message(request =>
        Nested(request, 1, resourceSpans =>
        {
            Nested(resourceSpans, 1, resource =>
                Attribute(resource, 1, "service.name", v => String(v, 1, "hand-encoded")));
            Nested(resourceSpans, 2, scopeSpans =>
            {
                Nested(scopeSpans, 1, scope =>
                {
                    String(scope, 1, "Diffusion.Denoiser");
                    String(scope, 2, "9.9");
                });
                Nested(scopeSpans, 2, span =>
                {
                    Bytes(span, 1, TraceId);
                    Bytes(span, 2, SpanId);
                    String(span, 3, "congo=t61rcWkgMzE");
                    Bytes(span, 4, ParentId);
                    String(span, 5, "diffusion.denoise.step");
                    Varint(span, 6, 3);
                    Fixed64(span, 7, 1_700_000_000_000_000_000UL);
                    Fixed64(span, 8, 1_700_000_000_250_000_000UL);
                    Attribute(span, 9, "s", v => String(v, 1, "a cat"));
                    Attribute(span, 9, "b", v => Varint(v, 2, 1));
                    Attribute(span, 9, "i", v => Varint(v, 3, -42));
                    Attribute(span, 9, "d", v => Fixed64(v, 4, BitConverter.DoubleToUInt64Bits(0.5)));
                    Attribute(span, 9, "array", v => Nested(v, 5, array =>
                    {
                        Nested(array, 1, item => Varint(item, 3, 1));
                        Nested(array, 1, item => String(item, 1, "two"));
                    }));
                    Attribute(span, 9, "kvlist", v => Nested(v, 6, list => Attribute(list, 1, "k", item => String(item, 1, "v"))));
                    Attribute(span, 9, "bytes", v => Bytes(v, 7, [1, 2, 3]));
                    Attribute(span, 9, "empty", _ => { });
                    Nested(span, 15, status =>
                    {
                        String(status, 2, "diverged");
                        Varint(status, 3, 2);
                    });
                    span.WriteTag(16, Google.Protobuf.WireFormat.WireType.Fixed32);
                    span.WriteFixed32(0x301);
                });
            });
        }));

    private static byte[] Frame(byte[] message, bool compressed)
    {
        var frame = new byte[5 + message.Length];
        frame[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        return frame;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
        {
            gzip.Write(data);
        }

        return buffer.ToArray();
    }

    private static string? GrpcStatus(HttpResponseMessage response) =>
        response.TrailingHeaders.TryGetValues("grpc-status", out var values) ? values.Single() : null;

    private async Task<HttpResponseMessage> PostProtobufAsync(
        string path, byte[] body, string? contentEncoding = null, string contentType = "application/x-protobuf")
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        if (contentEncoding is not null)
        {
            content.Headers.ContentEncoding.Add(contentEncoding);
        }

        return await _http.PostAsync(new Uri(_receiver.HttpEndpoint, path), content);
    }

    private async Task<HttpResponseMessage> SendGrpcAsync(byte[] body, string? grpcEncoding = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_receiver.GrpcEndpoint, GrpcTracePath))
        {
            // What gRPC clients do for http:// addresses: HTTP/2 with prior knowledge.
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("TE", "trailers");
        if (grpcEncoding is not null)
        {
            request.Headers.TryAddWithoutValidation("grpc-encoding", grpcEncoding);
        }

        var response = await _http.SendAsync(request);

        // Trailers arrive after the body.
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}
