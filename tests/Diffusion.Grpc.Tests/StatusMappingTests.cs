using System.Net.Http;

namespace Diffusion.Grpc.Tests;

public sealed class StatusMappingTests
{
    [Theory]
    [InlineData(400, StatusCode.Internal)]
    [InlineData(401, StatusCode.Unauthenticated)]
    [InlineData(403, StatusCode.PermissionDenied)]
    [InlineData(404, StatusCode.Unimplemented)]
    [InlineData(429, StatusCode.Unavailable)]
    [InlineData(502, StatusCode.Unavailable)]
    [InlineData(503, StatusCode.Unavailable)]
    [InlineData(504, StatusCode.Unavailable)]
    [InlineData(415, StatusCode.Unknown)]
    [InlineData(500, StatusCode.Unknown)]
    public void FromHttpStatus_NonOkResponse_FollowsHttpGrpcStatusMapping(int httpStatus, StatusCode expected)
    {
        Assert.Equal(expected, StatusMapping.FromHttpStatus(httpStatus));
    }

    [Theory]
    [InlineData(0x0, StatusCode.Internal)]           // NO_ERROR before the status arrived
    [InlineData(0x1, StatusCode.Internal)]           // PROTOCOL_ERROR
    [InlineData(0x2, StatusCode.Internal)]           // INTERNAL_ERROR
    [InlineData(0x3, StatusCode.Internal)]           // FLOW_CONTROL_ERROR
    [InlineData(0x7, StatusCode.Unavailable)]        // REFUSED_STREAM
    [InlineData(0x8, StatusCode.Cancelled)]          // CANCEL
    [InlineData(0xB, StatusCode.ResourceExhausted)]  // ENHANCE_YOUR_CALM
    [InlineData(0xC, StatusCode.PermissionDenied)]   // INADEQUATE_SECURITY
    public void FromHttp2ErrorCode_ResetStream_FollowsProtocolSpec(long errorCode, StatusCode expected)
    {
        Assert.Equal(expected, StatusMapping.FromHttp2ErrorCode(errorCode));
    }

    [Fact]
    public void FromTransportException_ConnectionRefused_IsUnavailable()
    {
        var error = new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (127.0.0.1:1)");

        var status = StatusMapping.FromTransportException(error);

        Assert.Equal(StatusCode.Unavailable, status.StatusCode);
        Assert.Contains("Connection refused", status.Detail);
        Assert.True(StatusMapping.IsConnectFailure(error));
    }

    [Theory]
    [InlineData(0x0, true, true)]    // GOAWAY NO_ERROR before any response: server shutting down
    [InlineData(0x7, true, false)]   // REFUSED_STREAM: not processed, endpoint fine
    [InlineData(0x2, false, false)]  // INTERNAL_ERROR: may have been processed
    [InlineData(0x8, false, false)]  // CANCEL
    public void IsUnprocessed_ProtocolErrorBeforeResponse_OnlyForRefusalsAndGracefulClose(long code, bool unprocessed, bool goingAway)
    {
        var error = new HttpRequestException(HttpRequestError.HttpProtocolError, "closed", new HttpProtocolException(code, "closed", null));

        Assert.Equal(unprocessed, StatusMapping.IsUnprocessed(error, out var endpointGoingAway));
        if (unprocessed)
        {
            Assert.Equal(goingAway, endpointGoingAway);
            Assert.Equal(StatusCode.Unavailable, StatusMapping.FromTransportException(error).StatusCode);
        }
    }

    [Fact]
    public void StatusCode_WireValues_MatchTheSpec()
    {
        Assert.Equal(17, Enum.GetValues<StatusCode>().Length);
        Assert.Equal(0, (int)StatusCode.OK);
        Assert.Equal(4, (int)StatusCode.DeadlineExceeded);
        Assert.Equal(12, (int)StatusCode.Unimplemented);
        Assert.Equal(16, (int)StatusCode.Unauthenticated);
    }
}
