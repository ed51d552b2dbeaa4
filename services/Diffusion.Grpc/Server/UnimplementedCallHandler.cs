using Microsoft.AspNetCore.Http;

namespace Diffusion.Grpc.Server;

/// <summary>Answers gRPC calls to methods nobody mapped with UNIMPLEMENTED; other requests get 404.</summary>
internal static class UnimplementedCallHandler
{
    public static Task HandleAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        if (!GrpcProtocol.IsGrpcContentType(httpContext.Request.ContentType))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        // Trailers-Only: the status rides in the only HEADERS frame.
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.StatusTrailer] = ((int)StatusCode.Unimplemented).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers[GrpcProtocol.MessageTrailer] = GrpcMessageEncoding.Encode($"Method {httpContext.Request.Path} is unimplemented.");
        return Task.CompletedTask;
    }
}
