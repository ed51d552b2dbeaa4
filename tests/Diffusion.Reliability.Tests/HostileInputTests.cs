using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Xunit.Abstractions;

namespace Diffusion.Reliability.Tests;

/// <summary>Random bytes and bit-flipped/truncated frames on every RPC of every real process: each answer is
/// a status the issue allows (never UNKNOWN or INTERNAL), quickly, with a message free of stack traces and
/// paths; afterwards every process still runs.</summary>
[Collection(ReliabilityCollection.Name)]
public sealed class HostileInputTests(ReliabilityStack fixture, ITestOutputHelper output)
{
    private static readonly string[] Allowed =
        ["0", "3", "8", "4", "1", "12", "11", "9"]; // OK (a payload that parses to a valid request), INVALID_ARGUMENT, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED, CANCELLED, UNIMPLEMENTED, OUT_OF_RANGE, FAILED_PRECONDITION

    private static readonly (string Service, string Path)[] Rpcs =
    [
        ("text-encoder", "/diffusion.v1.TextEncoder/Encode"),
        ("denoiser", "/diffusion.v1.Denoiser/Denoise"),
        ("vae-codec", "/diffusion.v1.VaeCodec/Decode"),
        ("vae-codec", "/diffusion.v1.VaeCodec/Encode"),
        ("gateway", "/diffusion.v1.Gateway/Generate"),
        ("gateway", "/diffusion.v1.Gateway/GenerateStream"),
    ];

    private static byte[] Frame(byte[] payload)
    {
        var frame = new byte[5 + payload.Length];
        frame[1] = (byte)(payload.Length >> 24); frame[2] = (byte)(payload.Length >> 16);
        frame[3] = (byte)(payload.Length >> 8); frame[4] = (byte)payload.Length;
        payload.CopyTo(frame, 5);
        return frame;
    }

    private static async Task<(string Status, string Message)> CallRawAsync(HttpClient http, string url, string path, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url.TrimEnd('/') + path)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.TryAddWithoutValidation("authorization", "Bearer " + ReliabilityStack.ApiKey);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await response.Content.ReadAsByteArrayAsync();
        string? status = Header(response.TrailingHeaders, "grpc-status") ?? Header(response.Headers, "grpc-status");
        string message = Uri.UnescapeDataString(Header(response.TrailingHeaders, "grpc-message") ?? Header(response.Headers, "grpc-message") ?? "");
        return (status ?? $"http {(int)response.StatusCode}", message);
    }

    private static string? Header(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static IEnumerable<byte[]> Cases(Random random)
    {
        yield return Frame([]);                                    // empty message: defaults everywhere
        for (int i = 0; i < 12; i++)
        {
            var bytes = new byte[random.Next(1, 200)];
            random.NextBytes(bytes);
            yield return Frame(bytes);                             // random protobuf payload
        }
        yield return Frame([0x0A, 0xFF, 0xFF, 0xFF, 0x0F]);        // field 1 length-delimited, huge length, truncated
        yield return Frame([0x08]);                                // varint key with no value
        yield return Frame([0x0A, 0x03, 0xC3, 0x28, 0xFF]);         // invalid UTF-8 in field 1
        var truncated = Frame(new byte[20]);
        yield return truncated[..10];                              // frame shorter than its length prefix
        yield return [0x01, 0, 0, 0, 1, 0x00];                     // compressed flag without grpc-encoding
    }

    [Fact]
    public async Task RawGarbage_OnEveryRpc_AllowedStatusQuicklyNoTracesAndEveryProcessSurvives()
    {
        var stack = fixture.Stack;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var random = new Random(20261123);
        var failures = new List<string>();
        int total = 0;
        foreach (var (service, path) in Rpcs)
        {
            var url = stack.Processes.First(p => p.Name == service).Url;
            int count = 0;
            foreach (var body in Cases(random))
            {
                var watch = Stopwatch.StartNew();
                var (status, message) = await CallRawAsync(http, url, path, body);
                count++;
                if (!Allowed.Contains(status)) failures.Add($"{path} case {count}: status {status} '{message}'");
                if (status != "0" && string.IsNullOrWhiteSpace(message)) failures.Add($"{path} case {count}: empty grpc-message");
                if (message.Contains("   at ") || message.Contains(".cs:line") || message.Contains("/work/") || message.Contains("Exception:"))
                    failures.Add($"{path} case {count}: message leaks internals: {message}");
                // A rejection must be quick; a payload that happens to parse to a valid request (OK) runs a real,
                // default-length generation on the tiny model, so it gets a wider bound.
                if (watch.Elapsed > TimeSpan.FromSeconds(status == "0" ? 30 : 2)) failures.Add($"{path} case {count}: took {watch.Elapsed.TotalSeconds:F2} s");
            }
            output.WriteLine($"{path}: {count} cases");
            total += count;
        }
        output.WriteLine($"total: {total} cases");
        foreach (var p in stack.Processes)
            Assert.False(p.HasExited, $"{p.Name} exited");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
