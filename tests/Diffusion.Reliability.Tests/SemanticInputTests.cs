using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using Diffusion.Contracts;
using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Diffusion.Grpc;
using Diffusion.Grpc.Client;
using Diffusion.Imaging;
using Google.Protobuf;
using Xunit.Abstractions;

namespace Diffusion.Reliability.Tests;

/// <summary>
/// Well-formed messages with hostile contents, sent to every RPC of the real processes (tiny reference model:
/// 77 x 32 text embeddings, 4 x 16 x 16 latents, 128 px images): wrong or huge tensor shapes, byte counts and
/// dtypes; NaN and Inf; bad sizes, steps and counts; unknown names; 1 MB and invalid UTF-8 prompts; invalid,
/// truncated and decompression-bomb PNGs; messages over the size limit; 1 ms deadlines; cancellation mid-stream.
/// Each case must get its status with a message naming what is wrong (no stack trace, no path), quickly; every
/// process must keep running; and repeating the whole set must not grow any process's resident memory.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class SemanticInputTests(ReliabilityStack fixture, ITestOutputHelper output)
{
    private const int Rounds = 3;
    private const int Seq = 77, Hidden = 32, Channels = 4, Latent = 16, Pixels = 128;

    /// <summary>One hostile call: where it goes, what it sends, the statuses it may get and words its message must hold (any one).</summary>
    private sealed record Case(string Name, string Service, Func<Target, Task> Call, StatusCode[] Expected, string[] Hints, double MaxSeconds = 2);

    /// <summary>How a case reaches a process: typed calls over our client, raw frames over HTTP/2.</summary>
    private sealed class Target(GrpcChannel channel, HttpClient http, string url)
    {
        public CallInvoker Invoker => channel.CallInvoker;
        public HttpClient Http => http;
        public string Url => url;

        public static Metadata Auth()
        {
            var headers = new Metadata();
            headers.Add("authorization", "Bearer " + ReliabilityStack.ApiKey);
            return headers;
        }

        public static CallOptions Options(TimeSpan? timeout = null, CancellationToken token = default) =>
            new() { Deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30)), Headers = Auth(), CancellationToken = token };

        public Task Unary<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, TimeSpan? timeout = null)
            where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse> =>
            Invoker.UnaryAsync(method, request, Options(timeout));

        public async Task Stream<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, TimeSpan? timeout = null)
            where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse>
        {
            using var call = Invoker.ServerStreaming(method, request, Options(timeout));
            await foreach (var _ in call.ReadAllAsync()) { }
        }
    }

    // ---- valid requests for the tiny model, which the cases then break ----

    private static Tensor Floats(float value, params long[] shape)
    {
        var values = new float[shape.Aggregate(1L, (a, b) => a * b)];
        for (int i = 0; i < values.Length; i++) values[i] = value * MathF.Sin(0.1f * i + 1);
        return Tensors.FromFloats(values, shape);
    }

    private static Tensor WithValue(Tensor tensor, float value)
    {
        var values = Tensors.ToFloats(tensor);
        values[values.Length / 2] = value;
        return Tensors.FromFloats(values, [.. tensor.Shape]);
    }

    private static Tensor Raw(DType dtype, long[] shape, int bytes) =>
        new() { Dtype = dtype, Shape = { shape }, Data = ByteString.CopyFrom(new byte[bytes]) };

    private static GenerateRequest Generate() => new() { Prompt = "a small red house", Steps = 2, Seed = 7 };

    private static DenoiseRequest Denoise() => new()
    {
        RequestId = "hostile",
        CondEmbeddings = Floats(0.5f, 1, Seq, Hidden),
        UncondEmbeddings = Floats(0.25f, 1, Seq, Hidden),
        GuidanceScale = 5f,
        Steps = 2,
        Seed = 3,
        LatentHeight = Latent,
        LatentWidth = Latent,
    };

    private static DecodeRequest Decode() => new() { Latents = Floats(0.5f, 1, Channels, Latent, Latent) };

    private static byte[] Png(int width, int height, int channels = 3)
    {
        var pixels = new byte[width * height * channels];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 31);
        return PngEncoder.Encode(pixels, width, height, channels);
    }

    // ---- hand-made PNGs our encoder would never write ----

    private static byte[] Chunk(string type, ReadOnlySpan<byte> data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        System.Text.Encoding.ASCII.GetBytes(type, chunk.AsSpan(4));
        data.CopyTo(chunk.AsSpan(8));
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32(chunk.AsSpan(4, 4 + data.Length)));
        return chunk;
    }

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }

    private static byte[] PngFile(int width, int height, byte bitDepth, byte colorType, byte[] idat)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = bitDepth; ihdr[9] = colorType;
        byte[] signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        return [.. signature, .. Chunk("IHDR", ihdr), .. Chunk("IDAT", idat), .. Chunk("IEND", [])];
    }

    private static byte[] Zlib(long zeros)
    {
        using var buffer = new MemoryStream();
        using (var z = new ZLibStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var block = new byte[1 << 20];
            for (long left = zeros; left > 0; left -= block.Length) z.Write(block, 0, (int)Math.Min(block.Length, left));
        }
        return buffer.ToArray();
    }

    private static readonly Lazy<byte[]> Bomb = new(() => PngFile(Pixels, Pixels, 8, 2, Zlib(512L << 20)));      // 512 MiB inflating from ~0.5 MB for a 128x128 image
    private static readonly Lazy<byte[]> HugeHeader = new(() => PngFile(60_000, 60_000, 8, 2, Zlib(1 << 16)));    // claims 10.8 GB of pixels

    private static byte[] Truncated(byte[] png) => png[..(png.Length * 2 / 3)];

    private static byte[] BadCrc(byte[] png)
    {
        var copy = (byte[])png.Clone();
        copy[29] ^= 0xFF; // the IHDR CRC
        return copy;
    }

    private static GenerateRequest Img2Img(byte[] png) => new() { Prompt = "a house", Steps = 4, Seed = 1, Strength = 0.75f, InitImage = ByteString.CopyFrom(png) };

    private static EncodeImageRequest EncodeImage(byte[] png) => new() { Png = { ByteString.CopyFrom(png) } };

    // ---- raw frames for what typed messages cannot carry ----

    /// <summary>A request whose string field 1 holds invalid UTF-8, the rest copied from a valid message.</summary>
    private static byte[] WithInvalidUtf8(IMessage valid, int fieldNumber)
    {
        byte[] bad = [0x61, 0xC3, 0x28, 0xFF, 0xFE, 0x62];
        byte key = (byte)((fieldNumber << 3) | (int)WireFormat.WireType.LengthDelimited);
        byte[] field = [key, (byte)bad.Length, .. bad];
        return [.. field, .. valid.ToByteArray()];
    }

    private static async Task RawAsync(Target target, string path, byte[] message)
    {
        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), message.Length);
        message.CopyTo(frame, 5);
        using var request = new HttpRequestMessage(HttpMethod.Post, target.Url.TrimEnd('/') + path)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.TryAddWithoutValidation("authorization", "Bearer " + ReliabilityStack.ApiKey);
        using var response = await target.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await response.Content.ReadAsByteArrayAsync();
        string? status = Header(response.TrailingHeaders, "grpc-status") ?? Header(response.Headers, "grpc-status");
        string message2 = Uri.UnescapeDataString(Header(response.TrailingHeaders, "grpc-message") ?? Header(response.Headers, "grpc-message") ?? "");
        if (status is null) throw new InvalidOperationException($"HTTP {(int)response.StatusCode} without grpc-status");
        var code = (StatusCode)int.Parse(status);
        if (code != StatusCode.OK) throw new RpcException(new Status(code, message2));
    }

    private static string? Header(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    /// <summary>Reads the first event of a stream, then cancels: the caller sees CANCELLED.</summary>
    private static async Task CancelAfterFirstEvent<TRequest, TResponse>(Target target, Method<TRequest, TResponse> method, TRequest request)
        where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse>
    {
        using var cts = new CancellationTokenSource();
        using var call = target.Invoker.ServerStreaming(method, request, Target.Options(TimeSpan.FromSeconds(30), cts.Token));
        if (!await call.ResponseStream.MoveNext(CancellationToken.None))
            throw new InvalidOperationException("the stream ended before its first event");
        cts.Cancel();
        while (await call.ResponseStream.MoveNext(CancellationToken.None)) { }
    }

    private static readonly StatusCode[] Invalid = [StatusCode.InvalidArgument];
    private static readonly StatusCode[] TooBig = [StatusCode.ResourceExhausted];
    private static readonly StatusCode[] InvalidOrTooBig = [StatusCode.InvalidArgument, StatusCode.ResourceExhausted];
    private static readonly StatusCode[] Deadline = [StatusCode.DeadlineExceeded];
    private static readonly StatusCode[] Cancelled = [StatusCode.Cancelled];

    private static IEnumerable<Case> Cases()
    {
        // ---- the gateway, through its public API ----
        Case G(string name, Action<GenerateRequest> mutate, StatusCode[] expected, params string[] hints)
        {
            var request = Generate();
            mutate(request);
            return new Case("gateway: " + name, "gateway", t => t.Unary(GatewayMethods.Generate, request), expected, hints);
        }
        yield return G("width 100 (not a multiple of 8)", r => r.Width = 100, Invalid, "width", "multiple of 8");
        yield return G("height 36 (not a multiple of 8)", r => r.Height = 36, Invalid, "height");
        yield return G("width -64", r => r.Width = -64, Invalid, "width");
        yield return G("width 100000", r => r.Width = 100_000, Invalid, "width");
        yield return G("height 100000", r => r.Height = 100_000, Invalid, "height");
        yield return G("steps 100000", r => r.Steps = 100_000, Invalid, "steps");
        yield return G("steps -1", r => r.Steps = -1, Invalid, "steps");
        yield return G("guidance NaN", r => r.GuidanceScale = float.NaN, Invalid, "guidance_scale");
        yield return G("guidance +Inf", r => r.GuidanceScale = float.PositiveInfinity, Invalid, "guidance_scale");
        yield return G("guidance -Inf", r => r.GuidanceScale = float.NegativeInfinity, Invalid, "guidance_scale");
        yield return G("guidance 1e30", r => r.GuidanceScale = 1e30f, Invalid, "guidance_scale");
        yield return G("num_images 1000", r => r.NumImages = 1000, Invalid, "num_images");
        yield return G("num_images -1", r => r.NumImages = -1, Invalid, "num_images");
        yield return G("unknown scheduler", r => r.Scheduler = "FancyScheduler", Invalid, "scheduler", "FancyScheduler");
        yield return G("unknown model", r => r.Model = "sdxl-turbo", Invalid, "model", "sdxl-turbo");
        yield return G("unknown encoder", r => r.Encoder = "t5-xxl", Invalid, "encoder", "t5-xxl");
        yield return G("1 MB prompt", r => r.Prompt = new string('a', 1 << 20), Invalid, "prompt");
        yield return G("1 MB negative prompt", r => r.NegativePrompt = new string('n', 1 << 20), Invalid, "negative_prompt");
        yield return G("clip_skip 1000", r => r.ClipSkip = 1000, Invalid, "clip_skip");
        yield return G("clip_skip -1", r => r.ClipSkip = -1, Invalid, "clip_skip");
        yield return G("strength NaN", r => { r.InitImage = ByteString.CopyFrom(Png(Pixels, Pixels)); r.Strength = float.NaN; }, Invalid, "strength");
        yield return G("strength 7", r => { r.InitImage = ByteString.CopyFrom(Png(Pixels, Pixels)); r.Strength = 7; }, Invalid, "strength");
        yield return G("init image not a PNG", r => { r.MergeFrom(Img2Img([])); r.InitImage = ByteString.CopyFromUtf8("GIF89a......"); }, Invalid, "init_image");
        yield return G("init image truncated", r => r.MergeFrom(Img2Img(Truncated(Png(Pixels, Pixels)))), Invalid, "init_image");
        yield return G("init image with a bad CRC", r => r.MergeFrom(Img2Img(BadCrc(Png(Pixels, Pixels)))), Invalid, "init_image");
        yield return G("init image decompression bomb", r => r.MergeFrom(Img2Img(Bomb.Value)), Invalid, "init_image");
        yield return G("init image claiming 60000x60000", r => r.MergeFrom(Img2Img(HugeHeader.Value)), Invalid, "init_image", "60000");
        yield return G("init image of 4-bit RGB (no such PNG)", r => r.MergeFrom(Img2Img(PngFile(Pixels, Pixels, 4, 2, Zlib(Pixels * (1 + Pixels * 3 / 2))))), Invalid, "init_image", "bit depth");
        yield return G("init image of another size", r => { r.MergeFrom(Img2Img(Png(64, 64))); r.Width = Pixels; }, Invalid, "init_image", "64x64");
        yield return G("mask not a PNG", r => { r.MergeFrom(Img2Img(Png(Pixels, Pixels))); r.Strength = 1; r.MaskImage = ByteString.CopyFromUtf8("not a mask"); }, Invalid, "mask_image");
        yield return G("mask decompression bomb", r => { r.MergeFrom(Img2Img(Png(Pixels, Pixels))); r.Strength = 1; r.MaskImage = ByteString.CopyFrom(Bomb.Value); }, Invalid, "mask_image");
        yield return G("latents of the wrong shape", r => r.Latents = Floats(1, 1, Channels, 8, 8), Invalid, "latents");
        yield return G("latents with NaN", r => r.Latents = WithValue(Floats(1, 1, Channels, Latent, Latent), float.NaN), Invalid, "latents");
        yield return G("latents with Inf", r => r.Latents = WithValue(Floats(1, 1, Channels, Latent, Latent), float.PositiveInfinity), Invalid, "latents");
        yield return G("latents with a short byte count", r => r.Latents = Raw(DType.F32, [1, Channels, Latent, Latent], 10), Invalid, "latents");
        yield return G("latents with huge dimensions", r => r.Latents = Raw(DType.F32, [1L << 40, 1L << 40, 4, 4], 64), Invalid, "latents");
        yield return G("latents of rank 9", r => r.Latents = Raw(DType.F32, [1, 1, 1, 1, 1, 1, 1, 1, 1], 4), Invalid, "latents");
        yield return G("latents with a negative dimension", r => r.Latents = Raw(DType.F32, [1, -4, Latent, Latent], 4), Invalid, "latents");
        yield return G("latents of I64", r => r.Latents = Raw(DType.I64, [1, Channels, Latent, Latent], 8 * Channels * Latent * Latent), Invalid, "latents");
        yield return G("latents of an unknown dtype", r => r.Latents = Raw((DType)77, [1, Channels, Latent, Latent], 4 * Channels * Latent * Latent), Invalid, "latents");
        yield return G("40 MB message (over the limit)", r => r.InitImage = ByteString.CopyFrom(new byte[40 << 20]), TooBig, "message", "size", "limit");
        yield return new Case("gateway: invalid UTF-8 prompt", "gateway",
            t => RawAsync(t, "/diffusion.v1.Gateway/Generate", WithInvalidUtf8(new GenerateRequest { Steps = 2, Seed = 1 }, GenerateRequest.PromptFieldNumber)),
            Invalid, ["UTF-8"]);
        yield return new Case("gateway: 1 ms deadline", "gateway",
            t => t.Unary(GatewayMethods.Generate, Generate(), TimeSpan.FromMilliseconds(1)), Deadline, ["deadline", "Deadline"]);
        yield return new Case("gateway: 1 ms deadline, streaming", "gateway",
            t => t.Stream(GatewayMethods.GenerateStream, Generate(), TimeSpan.FromMilliseconds(1)), Deadline, ["deadline", "Deadline"]);
        yield return new Case("gateway: cancelled mid-stream", "gateway",
            t => CancelAfterFirstEvent(t, GatewayMethods.GenerateStream, new GenerateRequest { Prompt = "cancel me", Steps = 40, Seed = 2 }),
            Cancelled, ["cancel", "Cancel"], 10);

        // ---- the text encoder ----
        Case T(string name, EncodeTextRequest request, StatusCode[] expected, params string[] hints) =>
            new("text-encoder: " + name, "text-encoder", t => t.Unary(TextEncoderMethods.Encode, request), expected, hints);
        yield return T("no prompts", new EncodeTextRequest(), Invalid, "prompts");
        yield return T("1000 prompts", new EncodeTextRequest { Prompts = { Enumerable.Repeat("x", 1000) } }, Invalid, "prompts");
        yield return T("1 MB prompt", new EncodeTextRequest { Prompts = { new string('a', 1 << 20) } }, Invalid, "prompt");
        yield return T("clip_skip 1000", new EncodeTextRequest { Prompts = { "a" }, ClipSkip = 1000 }, Invalid, "clip_skip");
        yield return T("clip_skip -5", new EncodeTextRequest { Prompts = { "a" }, ClipSkip = -5 }, Invalid, "clip_skip");
        yield return new Case("text-encoder: invalid UTF-8 prompt", "text-encoder",
            t => RawAsync(t, "/diffusion.v1.TextEncoder/Encode", WithInvalidUtf8(new EncodeTextRequest(), EncodeTextRequest.PromptsFieldNumber)),
            Invalid, ["UTF-8"]);
        yield return new Case("text-encoder: 1 ms deadline", "text-encoder",
            t => t.Unary(TextEncoderMethods.Encode, new EncodeTextRequest { Prompts = { "a", "b", "c", "d" } }, TimeSpan.FromMilliseconds(1)),
            Deadline, ["deadline", "Deadline"]);
        yield return new Case("text-encoder: 80 MB message (over the limit)", "text-encoder",
            t => t.Unary(TextEncoderMethods.Encode, new EncodeTextRequest { Prompts = { new string('a', 80 << 20) } }), TooBig, ["message", "size", "limit"], 5);

        // ---- the denoiser ----
        Case D(string name, Action<DenoiseRequest> mutate, StatusCode[] expected, params string[] hints)
        {
            var request = Denoise();
            mutate(request);
            return new Case("denoiser: " + name, "denoiser", t => t.Stream(DenoiserMethods.Denoise, request), expected, hints);
        }
        yield return D("no cond embeddings", r => r.CondEmbeddings = null, Invalid, "cond_embeddings");
        yield return D("cond of the wrong width", r => r.CondEmbeddings = Floats(1, 1, Seq, 7), Invalid, "cond_embeddings");
        yield return D("cond with a short byte count", r => r.CondEmbeddings = Raw(DType.F32, [1, Seq, Hidden], 12), Invalid, "cond_embeddings");
        yield return D("cond with extra bytes", r => r.CondEmbeddings = Raw(DType.F32, [1, Seq, Hidden], 4 * Seq * Hidden + 1), Invalid, "cond_embeddings");
        yield return D("cond with huge dimensions", r => r.CondEmbeddings = Raw(DType.F32, [1L << 31, 1L << 31, Hidden], 16), Invalid, "cond_embeddings");
        yield return D("cond whose element count overflows", r => r.CondEmbeddings = Raw(DType.F32, [1L << 62, 1L << 62, 4], 16), Invalid, "cond_embeddings");
        yield return D("cond of rank 12", r => r.CondEmbeddings = Raw(DType.F32, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 4), Invalid, "cond_embeddings");
        yield return D("cond of U8", r => r.CondEmbeddings = Raw(DType.U8, [1, Seq, Hidden], Seq * Hidden), Invalid, "cond_embeddings");
        yield return D("cond with NaN", r => r.CondEmbeddings = WithValue(r.CondEmbeddings, float.NaN), Invalid, "cond_embeddings");
        yield return D("uncond with -Inf", r => r.UncondEmbeddings = WithValue(r.UncondEmbeddings, float.NegativeInfinity), Invalid, "uncond_embeddings");
        yield return D("guidance NaN", r => r.GuidanceScale = float.NaN, Invalid, "guidance_scale");
        yield return D("steps 0", r => r.Steps = 0, Invalid, "steps");
        yield return D("steps 100000", r => r.Steps = 100_000, Invalid, "steps");
        yield return D("latent height 0", r => r.LatentHeight = 0, Invalid, "latent_height");
        yield return D("latent width 100000", r => r.LatentWidth = 100_000, Invalid, "latent_width");
        yield return D("num_images_per_prompt 100000", r => r.NumImagesPerPrompt = 100_000, Invalid, "num_images_per_prompt");
        yield return D("unknown scheduler", r => r.Scheduler = "NoSuchScheduler", Invalid, "scheduler", "NoSuchScheduler");
        yield return D("scheduler option not a number", r => r.SchedulerOptions["eta"] = "lots", Invalid, "eta");
        yield return D("initial latents with Inf", r => r.InitialLatents = WithValue(Floats(1, 1, Channels, Latent, Latent), float.PositiveInfinity), Invalid, "initial_latents");
        yield return D("initial latents of the wrong shape", r => r.InitialLatents = Floats(1, 1, Channels, 4, 4), Invalid, "initial_latents");
        yield return D("image latents with strength NaN", r => { r.ImageLatents = Floats(1, 1, Channels, Latent, Latent); r.Strength = float.NaN; }, Invalid, "strength");
        yield return D("mask of the wrong shape", r => { r.ImageLatents = Floats(1, 1, Channels, Latent, Latent); r.Strength = 1; r.Mask = Floats(1, 1, 1, 3, 3); }, Invalid, "mask");
        yield return D("a replayed draw of 2^40 values", r => r.RngDrawsBeforeNoise.Add(new TensorShape { Dims = { 1L << 20, 1L << 20 } }), Invalid, "rng_draws_before_noise");
        yield return D("resume at step 100000", r => r.Resume = new Checkpoint
        {
            Step = 100_000, Latents = Floats(1, 1, Channels, Latent, Latent), SchedulerState = new SchedulerState { Scheduler = "PNDMScheduler" },
        }, Invalid, "resume");
        yield return new Case("denoiser: 1 ms deadline", "denoiser",
            t => t.Stream(DenoiserMethods.Denoise, Denoise(), TimeSpan.FromMilliseconds(1)), Deadline, ["deadline", "Deadline"]);
        yield return new Case("denoiser: cancelled mid-stream", "denoiser",
            t => { var r = Denoise(); r.Steps = 200; return CancelAfterFirstEvent(t, DenoiserMethods.Denoise, r); }, Cancelled, ["cancel", "Cancel"], 10);
        yield return new Case("denoiser: 80 MB message (over the limit)", "denoiser",
            t => t.Stream(DenoiserMethods.Denoise, new DenoiseRequest { CondEmbeddings = Raw(DType.F32, [1, 80 << 18, 1], 80 << 20) }),
            TooBig, ["message", "size", "limit"], 5);

        // ---- the VAE codec ----
        Case V(string name, Action<DecodeRequest> mutate, StatusCode[] expected, params string[] hints)
        {
            var request = Decode();
            mutate(request);
            return new Case("vae-codec decode: " + name, "vae-codec", t => t.Unary(VaeCodecMethods.Decode, request), expected, hints);
        }
        yield return V("no latents", r => r.Latents = null, Invalid, "latents");
        yield return V("latents with 3 channels", r => r.Latents = Floats(1, 1, 3, Latent, Latent), Invalid, "latents");
        yield return V("latents with NaN", r => r.Latents = WithValue(r.Latents, float.NaN), Invalid, "latents");
        yield return V("latents with a short byte count", r => r.Latents = Raw(DType.F32, [1, Channels, Latent, Latent], 100), Invalid, "latents");
        yield return V("latents with huge dimensions", r => r.Latents = Raw(DType.F32, [1, Channels, 1L << 30, 1L << 30], 64), Invalid, "latents");
        yield return V("latents of 100000 x 100000", r => r.Latents = Raw(DType.F32, [1, Channels, 100_000, 100_000], 64), InvalidOrTooBig, "latents");
        yield return V("latents of I64", r => r.Latents = Raw(DType.I64, [1, Channels, Latent, Latent], 8 * Channels * Latent * Latent), Invalid, "latents");
        yield return V("latents of rank 2", r => r.Latents = Floats(1, Channels, Latent), Invalid, "latents");
        yield return V("unknown image format", r => r.Format = (ImageFormat)42, Invalid, "format");

        Case E(string name, EncodeImageRequest request, StatusCode[] expected, params string[] hints) =>
            new("vae-codec encode: " + name, "vae-codec", t => t.Unary(VaeCodecMethods.Encode, request), expected, hints);
        yield return E("no image", new EncodeImageRequest(), Invalid, "png", "raw", "image");
        yield return E("not a PNG", EncodeImage("JFIF...."u8.ToArray()), Invalid, "png", "PNG");
        yield return E("truncated PNG", EncodeImage(Truncated(Png(Pixels, Pixels))), Invalid, "png", "PNG");
        yield return E("PNG with a bad CRC", EncodeImage(BadCrc(Png(Pixels, Pixels))), Invalid, "png", "PNG", "CRC");
        yield return E("decompression bomb", EncodeImage(Bomb.Value), Invalid, "png", "PNG");
        yield return E("PNG claiming 60000x60000", EncodeImage(HugeHeader.Value), Invalid, "png", "PNG", "60000");
        yield return E("PNG of color type 5 (no such type)", EncodeImage(PngFile(Pixels, Pixels, 8, 5, Zlib(Pixels * (1 + Pixels * 3)))), Invalid, "color type");
        yield return E("PNG of an odd width", EncodeImage(Png(101, 60)), Invalid, "multiple");
        yield return E("PNGs of different sizes", new EncodeImageRequest { Png = { ByteString.CopyFrom(Png(64, 64)), ByteString.CopyFrom(Png(32, 32)) } }, Invalid, "png", "size");
        yield return E("raw image of rank 3", new EncodeImageRequest { Raw = Raw(DType.U8, [Pixels, Pixels, 3], Pixels * Pixels * 3) }, Invalid, "raw");
        yield return E("raw image with NaN", new EncodeImageRequest { Raw = WithValue(Floats(1, 1, 3, Pixels, Pixels), float.NaN) }, Invalid, "raw");
        yield return E("raw image with 5 channels", new EncodeImageRequest { Raw = Floats(1, 1, 5, 16, 16) }, Invalid, "raw");
        yield return E("sample without seed", new EncodeImageRequest { Png = { ByteString.CopyFrom(Png(64, 64)) }, Mode = EncodeMode.Sample }, Invalid, "seed");
    }

    private static long RssKb(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);

    [Fact]
    public async Task HostileContents_OnEveryRpc_RightStatusActionableMessageProcessesUpMemoryFlat()
    {
        var stack = fixture.Stack;
        var cases = Cases().ToList();
        var channels = new Dictionary<string, GrpcChannel>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var options = new GrpcChannelOptions { MaxReceiveMessageSize = 64 << 20, MaxSendMessageSize = 256 << 20 };
        try
        {
            foreach (var p in stack.Processes) channels[p.Name] = GrpcChannel.ForAddress(p.Url, options);
            var targets = stack.Processes.ToDictionary(p => p.Name, p => new Target(channels[p.Name], http, p.Url));

            // Every process has served a real request before the first baseline.
            using (var client = new Diffusion.Cli.Commands.GatewayClient(stack.GatewayUrl, ReliabilityStack.ApiKey))
                await client.GenerateAsync(Generate(), TimeSpan.FromMinutes(1), _ => { }, CancellationToken.None);

            var failures = new List<string>();
            var rss = new List<Dictionary<string, long>>();
            var byStatus = new SortedDictionary<string, int>();
            for (int round = 0; round < Rounds; round++)
            {
                foreach (var c in cases)
                {
                    var watch = Stopwatch.StartNew();
                    StatusCode code;
                    string message;
                    try
                    {
                        await c.Call(targets[c.Service]);
                        code = StatusCode.OK;
                        message = "";
                    }
                    catch (RpcException e)
                    {
                        code = e.StatusCode;
                        message = e.Status.Detail;
                    }
                    double seconds = watch.Elapsed.TotalSeconds;
                    if (round == 0)
                    {
                        output.WriteLine($"{c.Name,-60} {code,-18} {seconds * 1000,7:F0} ms  {Shorten(message)}");
                        byStatus[code.ToString()] = byStatus.GetValueOrDefault(code.ToString()) + 1;
                    }
                    if (!c.Expected.Contains(code)) failures.Add($"{c.Name}: expected {string.Join("/", c.Expected)}, got {code} '{Shorten(message)}'");
                    else if (!c.Hints.Any(h => message.Contains(h, StringComparison.OrdinalIgnoreCase)))
                        failures.Add($"{c.Name}: the message '{Shorten(message)}' names none of: {string.Join(", ", c.Hints)}");
                    if (message.Contains("   at ") || message.Contains(".cs:line") || message.Contains("/work/") || message.Contains("/home/")
                        || message.Contains("Exception", StringComparison.Ordinal))
                        failures.Add($"{c.Name}: the message leaks internals: {Shorten(message)}");
                    if (seconds > c.MaxSeconds) failures.Add($"{c.Name}: took {seconds:F2} s (bound {c.MaxSeconds} s)");
                }
                foreach (var p in stack.Processes)
                    if (p.HasExited) failures.Add($"{p.Name} exited in round {round + 1}: {p.RecentOutput}");
                if (failures.Count > 0) break;
                await Task.Delay(500);
                rss.Add(stack.Processes.ToDictionary(p => p.Name, p => RssKb(p.Pid)));
            }
            output.WriteLine($"{cases.Count} cases x {rss.Count} rounds = {cases.Count * rss.Count} calls; first round by status: " +
                string.Join(", ", byStatus.Select(kv => $"{kv.Key} {kv.Value}")));
            Assert.True(failures.Count == 0, $"{failures.Count} failures:\n" + string.Join("\n", failures));

            // After the cancelled and timed-out calls the gateway's in-flight slots are free again and everything serves.
            using (var client = new Diffusion.Cli.Commands.GatewayClient(stack.GatewayUrl, ReliabilityStack.ApiKey))
            {
                var served = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
                    client.GenerateAsync(new GenerateRequest { Prompt = "after the storm " + i, Steps = 2, Seed = i }, TimeSpan.FromMinutes(1), _ => { }, CancellationToken.None)));
                Assert.All(served, r => Assert.NotEmpty(r.Images));
            }

            // Memory: after the first round (pools and caches warm), further rounds of the same cases must not grow it.
            foreach (var name in rss[0].Keys)
            {
                output.WriteLine($"{name}: RSS after each round {string.Join(" -> ", rss.Select(r => $"{r[name] / 1024} MB"))}");
                Assert.True(rss[^1][name] <= rss[0][name] + 96 * 1024,
                    $"{name}: RSS grew from {rss[0][name] / 1024} MB after round 1 to {rss[^1][name] / 1024} MB after round {rss.Count}");
            }
        }
        finally
        {
            foreach (var c in channels.Values) c.Dispose();
        }
    }

    private static string Shorten(string message) => message.Length <= 160 ? message : message[..157] + "...";
}
