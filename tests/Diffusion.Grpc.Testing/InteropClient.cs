using Diffusion.Grpc.Client;
using Grpc.Testing;

namespace Diffusion.Grpc.Testing;

/// <summary>
/// The interop cases (grpc/grpc doc/interop-test-descriptions.md) run by our client against any
/// TestService server. Each throws <see cref="InteropFailure"/> saying what differed.
/// </summary>
public static class InteropClient
{
    /// <summary>A megabyte each way: big enough to need many HTTP/2 DATA frames and flow-control updates.</summary>
    public const int LargeSize = 1024 * 1024;

    public const string SpecialStatusMessage = "\t\ntest with whitespace\r\nand Unicode BMP \u263A and non-BMP \U0001F608\t\n";

    /// <summary>Percent signs must survive percent-encoding, including ones that look like escapes.</summary>
    public const string PercentStatusMessage = "100% done, %41 is not A, %zz, trailing %";

    public static readonly IReadOnlyList<string> Cases =
    [
        "empty_unary", "large_unary", "server_streaming", "cancel_after_first_response", "timeout_on_sleeping_server",
        "status_code_and_message", "special_status_message", "custom_metadata", "unimplemented_method",
        "unimplemented_service", "client_compressed_unary",
    ];

    public static Task RunAsync(string name, CallInvoker invoker) => name switch
    {
        "empty_unary" => EmptyUnaryAsync(invoker),
        "large_unary" => LargeUnaryAsync(invoker),
        "server_streaming" => ServerStreamingAsync(invoker),
        "cancel_after_first_response" => CancelAfterFirstResponseAsync(invoker),
        "timeout_on_sleeping_server" => TimeoutOnSleepingServerAsync(invoker),
        "status_code_and_message" => StatusCodeAndMessageAsync(invoker),
        "special_status_message" => SpecialStatusMessageAsync(invoker),
        "custom_metadata" => CustomMetadataAsync(invoker),
        "unimplemented_method" => UnimplementedAsync(invoker, InteropMethods.UnimplementedCall),
        "unimplemented_service" => UnimplementedAsync(invoker, InteropMethods.UnimplementedServiceCall),
        "client_compressed_unary" => ClientCompressedUnaryAsync(invoker),
        _ => throw new ArgumentException($"Unknown interop case '{name}'.", nameof(name)),
    };

    private static async Task EmptyUnaryAsync(CallInvoker invoker)
    {
        var result = await invoker.UnaryAsync(InteropMethods.EmptyCall, new Empty(), Timeout());
        Check(result.Response.CalculateSize() == 0, "EmptyCall answered a non-empty message");
    }

    private static async Task LargeUnaryAsync(CallInvoker invoker)
    {
        var request = new SimpleRequest { ResponseSize = LargeSize, Payload = new Payload { Body = InteropTestService.Payload(LargeSize) } };
        var result = await invoker.UnaryAsync(InteropMethods.UnaryCall, request, Timeout());
        Check(result.Response.Payload.Body.Length == LargeSize, $"payload of {result.Response.Payload.Body.Length} bytes, expected {LargeSize}");
    }

    private static async Task ServerStreamingAsync(CallInvoker invoker)
    {
        int[] sizes = [31415, 9, 2653, 58979];
        var request = new StreamingOutputCallRequest();
        request.ResponseParameters.AddRange(sizes.Select(s => new ResponseParameters { Size = s }));
        using var call = invoker.ServerStreaming(InteropMethods.StreamingOutputCall, request, Timeout());
        var received = new List<int>();
        await foreach (var response in call.ReadAllAsync())
        {
            received.Add(response.Payload.Body.Length);
        }

        Check(received.SequenceEqual(sizes), $"sizes [{string.Join(", ", received)}], expected [{string.Join(", ", sizes)}]");
        Check(call.GetStatus().StatusCode == StatusCode.OK, "status " + call.GetStatus());
    }

    private static async Task CancelAfterFirstResponseAsync(CallInvoker invoker)
    {
        using var cts = new CancellationTokenSource();
        using var call = invoker.DuplexStreaming(InteropMethods.FullDuplexCall,
            new CallOptions { CancellationToken = cts.Token, Deadline = DateTime.UtcNow.AddSeconds(30) });
        var request = new StreamingOutputCallRequest { Payload = new Payload { Body = InteropTestService.Payload(27182) } };
        request.ResponseParameters.Add(new ResponseParameters { Size = 31415 });
        await call.RequestStream.WriteAsync(request);
        Check(await call.ResponseStream.MoveNext(), "no first response");
        Check(call.ResponseStream.Current.Payload.Body.Length == 31415, "first response has the wrong size");
        cts.Cancel();
        var error = await ExpectFailureAsync(() => call.ResponseStream.MoveNext());
        Check(error.StatusCode == StatusCode.Cancelled, $"status {error.Status}, expected CANCELLED");
    }

    private static async Task TimeoutOnSleepingServerAsync(CallInvoker invoker)
    {
        using var call = invoker.DuplexStreaming(InteropMethods.FullDuplexCall, new CallOptions { Deadline = DateTime.UtcNow.AddMilliseconds(1) });
        try
        {
            await call.RequestStream.WriteAsync(new StreamingOutputCallRequest { Payload = new Payload { Body = InteropTestService.Payload(27182) } });
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.DeadlineExceeded)
        {
            // The deadline may pass before the write: as good as after it.
        }

        var error = await ExpectFailureAsync(() => call.ResponseStream.MoveNext());
        Check(error.StatusCode == StatusCode.DeadlineExceeded, $"status {error.Status}, expected DEADLINE_EXCEEDED");
    }

    private static async Task StatusCodeAndMessageAsync(CallInvoker invoker)
    {
        const string message = "test status message";
        var status = new EchoStatus { Code = 2, Message = message };
        var unary = await ExpectFailureAsync(() => invoker.UnaryAsync(InteropMethods.UnaryCall, new SimpleRequest { ResponseStatus = status }, Timeout()));
        Check(unary.StatusCode == StatusCode.Unknown && unary.Detail == message, $"unary: {unary.Status}");

        using var call = invoker.DuplexStreaming(InteropMethods.FullDuplexCall, Timeout());
        await call.RequestStream.WriteAsync(new StreamingOutputCallRequest { ResponseStatus = status });
        await call.RequestStream.CompleteAsync();
        var duplex = await ExpectFailureAsync(() => call.ResponseStream.MoveNext());
        Check(duplex.StatusCode == StatusCode.Unknown && duplex.Detail == message, $"duplex: {duplex.Status}");
    }

    private static async Task SpecialStatusMessageAsync(CallInvoker invoker)
    {
        foreach (var message in new[] { SpecialStatusMessage, PercentStatusMessage })
        {
            var request = new SimpleRequest { ResponseStatus = new EchoStatus { Code = 2, Message = message } };
            var error = await ExpectFailureAsync(() => invoker.UnaryAsync(InteropMethods.UnaryCall, request, Timeout()));
            Check(error.StatusCode == StatusCode.Unknown, $"status {error.Status}");
            Check(error.Detail == message, $"message {Escape(error.Detail)}, expected {Escape(message)}");
        }
    }

    private static async Task CustomMetadataAsync(CallInvoker invoker)
    {
        const string initialValue = "test_initial_metadata_value";
        byte[] trailingValue = [0xab, 0xab, 0xab];
        var headers = new Metadata()
            .Add(InteropTestService.EchoInitialKey, initialValue)
            .Add(InteropTestService.EchoTrailingKey, trailingValue);
        var options = Timeout() with { Headers = headers };

        var request = new SimpleRequest { ResponseSize = 314159, Payload = new Payload { Body = InteropTestService.Payload(271828) } };
        var unary = await invoker.UnaryAsync(InteropMethods.UnaryCall, request, options);
        CheckEcho("unary", unary.ResponseHeaders, unary.Trailers, initialValue, trailingValue);

        using var call = invoker.DuplexStreaming(InteropMethods.FullDuplexCall, options);
        var streamRequest = new StreamingOutputCallRequest { Payload = new Payload { Body = InteropTestService.Payload(271828) } };
        streamRequest.ResponseParameters.Add(new ResponseParameters { Size = 314159 });
        await call.RequestStream.WriteAsync(streamRequest);
        await call.RequestStream.CompleteAsync();
        var count = 0;
        await foreach (var response in call.ReadAllAsync())
        {
            count++;
        }

        Check(count == 1, $"{count} responses, expected 1");
        CheckEcho("duplex", await call.ResponseHeadersAsync, call.GetTrailers(), initialValue, trailingValue);
    }

    private static async Task UnimplementedAsync(CallInvoker invoker, Method<Empty, Empty> method)
    {
        var error = await ExpectFailureAsync(() => invoker.UnaryAsync(method, new Empty(), Timeout()));
        Check(error.StatusCode == StatusCode.Unimplemented, $"status {error.Status}, expected UNIMPLEMENTED");
    }

    private static async Task ClientCompressedUnaryAsync(CallInvoker invoker)
    {
        var request = new SimpleRequest
        {
            ResponseSize = 314159,
            Payload = new Payload { Body = InteropTestService.Payload(LargeSize) },
            ExpectCompressed = new BoolValue { Value = true },
        };
        var result = await invoker.UnaryAsync(InteropMethods.UnaryCall, request, Timeout() with { RequestCompression = "gzip" });
        Check(result.Response.Payload.Body.Length == 314159, "wrong response size");
    }

    private static void CheckEcho(string what, Metadata headers, Metadata trailers, string initial, byte[] trailing)
    {
        Check(headers.GetValue(InteropTestService.EchoInitialKey) == initial,
            $"{what}: header {InteropTestService.EchoInitialKey} = '{headers.GetValue(InteropTestService.EchoInitialKey)}'");
        var echoed = trailers.GetValueBytes(InteropTestService.EchoTrailingKey);
        Check(echoed is not null && echoed.SequenceEqual(trailing),
            $"{what}: trailer {InteropTestService.EchoTrailingKey} = {(echoed is null ? "missing" : Convert.ToHexString(echoed))}");
    }

    private static CallOptions Timeout() => new() { Deadline = DateTime.UtcNow.AddSeconds(30) };

    private static async Task<RpcException> ExpectFailureAsync(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (RpcException ex)
        {
            return ex;
        }

        throw new InteropFailure("the call succeeded, expected an error status");
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InteropFailure(message);
        }
    }

    private static string Escape(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}

public sealed class InteropFailure(string message) : Exception(message);
