using System.Collections.Concurrent;
using Diffusion.Contracts;
using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Diffusion.Grpc;
using Diffusion.Imaging;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;

namespace Diffusion.Gateway.Tests.Fakes;

/// <summary>A VaeCodec that "decodes" each latent cell into a block of pixels and "encodes" an
/// image into latents from its mean and the seed.</summary>
internal sealed class FakeVaeCodec
{
    private int _decodeCalls;

    public VaeDescription Description { get; set; } = new()
    {
        Model = "fake-vae",
        ScalingFactor = 0.18215,
        LatentChannels = 4,
        DownscaleFactor = 8,
        Device = "cpu",
        Dtype = "F32",
    };

    public ConcurrentQueue<Received<EncodeImageRequest>> EncodeCalls { get; } = new();

    public ConcurrentQueue<Received<DecodeRequest>> DecodeCalls { get; } = new();

    public FaultHook? OnDecode { get; set; }

    public void Map(WebApplication app)
    {
        app.MapGrpcUnary(VaeCodecMethods.Describe, (_, _) => Task.FromResult(Description));
        app.MapGrpcUnary(VaeCodecMethods.Encode, (request, context) =>
        {
            EncodeCalls.Enqueue(Received<EncodeImageRequest>.From(request, context));
            return Task.FromResult(Encode(request));
        });
        app.MapGrpcUnary(VaeCodecMethods.Decode, async (request, context) =>
        {
            DecodeCalls.Enqueue(Received<DecodeRequest>.From(request, context));
            int index = Interlocked.Increment(ref _decodeCalls) - 1;
            if (OnDecode is { } fault)
                await fault(index, context);
            return Decode(request);
        });
    }

    private EncodeImageResponse Encode(EncodeImageRequest request)
    {
        int f = Description.DownscaleFactor;
        int height, width;
        float mean;
        if (request.Png.Count > 0)
        {
            var image = PngDecoder.Decode(request.Png[0].Span);
            (height, width) = (image.Height, image.Width);
            mean = (float)image.Pixels.Average(p => p / 255.0);
        }
        else
        {
            (height, width) = ((int)request.Raw.Shape[2], (int)request.Raw.Shape[3]);
            mean = Tensors.ToFloats(request.Raw).Average();
        }
        int size = Description.LatentChannels * (height / f) * (width / f);
        var latents = FakeData.NoiseArray(request.Seed + 7919 * request.RngDrawsBefore.Count, size);
        for (int i = 0; i < size; i++)
            latents[i] = (latents[i] + mean) * (float)Description.ScalingFactor;
        return new EncodeImageResponse { Latents = Tensors.FromFloats(latents, 1, Description.LatentChannels, height / f, width / f) };
    }

    private DecodeResponse Decode(DecodeRequest request)
    {
        var latents = Tensors.ToFloats(request.Latents);
        int n = (int)request.Latents.Shape[0], c = (int)request.Latents.Shape[1];
        int h = (int)request.Latents.Shape[2], w = (int)request.Latents.Shape[3];
        int f = Description.DownscaleFactor;
        int height = h * f, width = w * f;
        var nhwc = new float[n * height * width * 3];
        for (int b = 0; b < n; b++)
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                    for (int ch = 0; ch < 3; ch++)
                    {
                        float v = latents[((b * c + ch) * h + y / f) * w + x / f];
                        nhwc[((b * height + y) * width + x) * 3 + ch] = 1f / (1f + MathF.Exp(-v));
                    }

        var response = new DecodeResponse();
        if (request.Format == ImageFormat.RawF32)
        {
            response.Raw = Tensors.FromFloats(nhwc, n, height, width, 3);
            return response;
        }
        if (request.Format != ImageFormat.Png)
            throw new RpcException(new Status(StatusCode.InvalidArgument, "fake codec: PNG or RAW_F32 only"));
        foreach (var image in VaeImageProcessor.ToImages(nhwc, n, height, width, 3))
            response.Png.Add(ByteString.CopyFrom(PngEncoder.Encode(image)));
        return response;
    }
}
