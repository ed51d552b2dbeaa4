using System.Globalization;
using Diffusion.Contracts.Rpc;
using Diffusion.Grpc;
using Microsoft.AspNetCore.Http;

namespace Diffusion.Gateway.Security;

/// <summary>
/// Checks the <c>authorization: Bearer &lt;key&gt;</c> metadata of every diffusion.v1.Gateway call
/// before the request body is even read, answering UNAUTHENTICATED as a gRPC Trailers-Only
/// response (HTTP 200, grpc-status in the only HEADERS frame). Health and reflection stay open:
/// Kubernetes probes carry no key.
/// </summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, ApiKeyStore keys)
{
    private static readonly PathString GatewayPrefix = new("/" + GatewayMethods.Service);

    public Task InvokeAsync(HttpContext context)
    {
        if (!keys.Enabled || !context.Request.Path.StartsWithSegments(GatewayPrefix))
            return next(context);
        var header = context.Request.Headers.Authorization;
        if (header.Count == 1 && keys.IsAuthorized(header[0]))
            return next(context);

        string message = header.Count == 0
            ? "Missing API key: send metadata 'authorization: Bearer <key>'."
            : "Invalid API key.";
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)StatusCode.Unauthenticated).ToString(CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = message; // printable ASCII without '%': no percent-encoding needed
        return Task.CompletedTask;
    }
}
