using System.Globalization;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Diffusion.Testing.Otlp.Internal;

/// <summary>
/// The receiver's only request delegate: OTLP/HTTP binary protobuf on <c>/v1/{traces,metrics,logs}</c>
/// and OTLP/gRPC on the three collector Export methods, as the OTLP specification
/// (specification/protocol/otlp.md) lays them out.
/// </summary>
internal sealed class OtlpRequestHandler(ReceivedTelemetry telemetry)
{
    private const string ProtobufContentType = "application/x-protobuf";
    private const string GrpcContentType = "application/grpc";

    private static readonly Dictionary<string, (OtlpSignal Signal, OtlpTransport Transport)> Routes =
        new(StringComparer.Ordinal)
        {
            ["/v1/traces"] = (OtlpSignal.Traces, OtlpTransport.HttpProtobuf),
            ["/v1/metrics"] = (OtlpSignal.Metrics, OtlpTransport.HttpProtobuf),
            ["/v1/logs"] = (OtlpSignal.Logs, OtlpTransport.HttpProtobuf),
            ["/opentelemetry.proto.collector.trace.v1.TraceService/Export"] = (OtlpSignal.Traces, OtlpTransport.Grpc),
            ["/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"] = (OtlpSignal.Metrics, OtlpTransport.Grpc),
            ["/opentelemetry.proto.collector.logs.v1.LogsService/Export"] = (OtlpSignal.Logs, OtlpTransport.Grpc),
        };

    public Task HandleAsync(HttpContext context)
    {
        if (!Routes.TryGetValue(context.Request.Path.Value ?? string.Empty, out var route))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        if (!HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = HttpMethods.Post;
            return Task.CompletedTask;
        }

        return route.Transport == OtlpTransport.Grpc
            ? HandleGrpcAsync(context, route.Signal)
            : HandleHttpAsync(context, route.Signal);
    }

    private async Task HandleHttpAsync(HttpContext context, OtlpSignal signal)
    {
        var request = context.Request;
        if (!HasMediaType(request.ContentType, ProtobufContentType))
        {
            // OTLP/HTTP also allows application/json; this receiver decodes binary protobuf only,
            // which is what the .NET exporter sends for http/protobuf.
            await WriteTextAsync(context, StatusCodes.Status415UnsupportedMediaType,
                $"Expected Content-Type {ProtobufContentType}, got '{request.ContentType}'.");
            return;
        }

        var encoding = request.Headers.ContentEncoding.ToString();
        var compressed = string.Equals(encoding, "gzip", StringComparison.OrdinalIgnoreCase);
        if (!compressed && encoding.Length > 0 && !string.Equals(encoding, "identity", StringComparison.OrdinalIgnoreCase))
        {
            await WriteTextAsync(context, StatusCodes.Status415UnsupportedMediaType, $"Unsupported Content-Encoding '{encoding}'.");
            return;
        }

        try
        {
            var body = await PayloadReader.ReadToEndAsync(request.Body, PayloadReader.MaxMessageBytes, context.RequestAborted);
            var message = compressed ? await PayloadReader.GunzipAsync(body, context.RequestAborted) : body;
            telemetry.Accept(signal, message, count => Describe(context, signal, OtlpTransport.HttpProtobuf, compressed, count));
        }
        catch (PayloadTooLargeException e)
        {
            await WriteTextAsync(context, StatusCodes.Status413PayloadTooLarge, e.Message);
            return;
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidDataException)
        {
            await WriteTextAsync(context, StatusCodes.Status400BadRequest, e.Message);
            return;
        }

        // Success is 200 with an Export*ServiceResponse in the request's encoding. With no
        // partial_success set the message has no fields, and proto3 encodes that as zero bytes.
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = ProtobufContentType;
        context.Response.ContentLength = 0;
    }

    private async Task HandleGrpcAsync(HttpContext context, OtlpSignal signal)
    {
        var request = context.Request;
        if (!HttpProtocol.IsHttp2(request.Protocol))
        {
            // gRPC needs HTTP/2 (trailers); answer like a gRPC server does to an HTTP/1.x client.
            context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            context.Response.Headers.Upgrade = "HTTP/2";
            return;
        }

        if (!HasMediaType(request.ContentType, GrpcContentType) && !HasMediaType(request.ContentType, GrpcContentType + "+proto"))
        {
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = GrpcContentType;
        context.Response.Headers["grpc-accept-encoding"] = "identity,gzip";

        byte[] body;
        try
        {
            body = await PayloadReader.ReadToEndAsync(
                request.Body, PayloadReader.MaxMessageBytes + GrpcWire.FrameHeaderBytes, context.RequestAborted);
        }
        catch (PayloadTooLargeException e)
        {
            SetGrpcStatus(context, GrpcWire.StatusResourceExhausted, e.Message);
            return;
        }

        if (!GrpcWire.TryReadSingleMessage(body, out var compressed, out var message, out var framingError))
        {
            SetGrpcStatus(context, GrpcWire.StatusInternal, framingError);
            return;
        }

        if (compressed)
        {
            var encoding = request.Headers["grpc-encoding"].ToString();
            if (!string.Equals(encoding, "gzip", StringComparison.OrdinalIgnoreCase))
            {
                SetGrpcStatus(context, GrpcWire.StatusUnimplemented, $"Unsupported grpc-encoding '{encoding}'.");
                return;
            }
        }

        try
        {
            if (compressed)
            {
                message = await PayloadReader.GunzipAsync(message, context.RequestAborted);
            }

            telemetry.Accept(signal, message, count => Describe(context, signal, OtlpTransport.Grpc, compressed, count));
        }
        catch (PayloadTooLargeException e)
        {
            SetGrpcStatus(context, GrpcWire.StatusResourceExhausted, e.Message);
            return;
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidDataException)
        {
            SetGrpcStatus(context, GrpcWire.StatusInvalidArgument, e.Message);
            return;
        }

        await context.Response.Body.WriteAsync(GrpcWire.EmptyResponseFrame, context.RequestAborted);
        SetGrpcStatus(context, GrpcWire.StatusOk, message: null);
    }

    private static ReceivedExport Describe(
        HttpContext context, OtlpSignal signal, OtlpTransport transport, bool compressed, int count)
    {
        var userAgent = context.Request.Headers.UserAgent.ToString();
        return new ReceivedExport(
            signal,
            transport,
            compressed,
            context.Request.Protocol,
            count,
            userAgent.Length == 0 ? null : userAgent);
    }

    private static void SetGrpcStatus(HttpContext context, int status, string? message)
    {
        // Kestrel supports trailers on HTTP/2, which the caller has already required.
        context.Response.AppendTrailer("grpc-status", status.ToString(CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(message))
        {
            context.Response.AppendTrailer("grpc-message", GrpcWire.EncodeMessage(message));
        }
    }

    private static bool HasMediaType(string? contentType, string expected) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && parsed.MediaType.Equals(expected, StringComparison.OrdinalIgnoreCase);

    private static Task WriteTextAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text, context.RequestAborted);
    }
}
