using System.Diagnostics;
using Diffusion.Cli.Local;
using Diffusion.Contracts.V1;
using Diffusion.Grpc;
using Google.Protobuf;

namespace Diffusion.Cli.Commands;

/// <summary>`diffusion generate`: against a running gateway (--gateway), or a local stack of four
/// processes started for this one job.</summary>
internal static class GenerateRunner
{
    public static async Task<int> RunAsync(GenerateOptions o, CancellationToken cancellationToken)
    {
        var request = BuildRequest(o);
        var total = Stopwatch.StartNew();
        LocalStack? stack = null;
        try
        {
            string gateway;
            if (o.Gateway is { } url)
            {
                gateway = url;
            }
            else
            {
                string model = o.Model ?? await DefaultModel.EnsureAsync(Console.Error.WriteLine, cancellationToken);
                stack = await LocalStack.StartAsync(model, o.Device, o.DType, Console.Error.WriteLine,
                    TimeSpan.FromMinutes(10), cancellationToken);
                gateway = stack.GatewayUrl;
            }

            using var client = new GatewayClient(gateway, o.ApiKey);
            var response = await ProgressView.RunAsync(onProgress =>
                client.GenerateAsync(request, o.Timeout, onProgress, cancellationToken));

            var written = ImageOutput.Write([.. response.Images.Select(i => i.ToByteArray())], o.Out, o.Grid);
            if (o.RawOut is { } raw) RawOutput.Write(raw.FullName, response);
            foreach (var p in written) Console.WriteLine($"wrote {p}");
            if (o.RawOut is { } r) Console.WriteLine($"wrote {r.FullName} (image, final_latents)");
            TimingTable.Print(response, total.Elapsed);
            return 0;
        }
        catch (RpcException ex)
        {
            Console.Error.WriteLine($"error: {ex.StatusCode}: {ex.Detail}");
            return 2;
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or TimeoutException or IOException or ArgumentException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 2;
        }
        finally
        {
            if (stack is not null) await stack.DisposeAsync();
        }
    }

    internal static GenerateRequest BuildRequest(GenerateOptions o)
    {
        var r = new GenerateRequest
        {
            Prompt = o.Prompt,
            NegativePrompt = o.NegativePrompt,
            Width = o.Width,
            Height = o.Height,
            Steps = o.Steps,
            Scheduler = o.Scheduler,
            NumImages = o.NumImages,
            ClipSkip = o.ClipSkip,
            ChunkLongPrompts = o.ChunkLongPrompts,
            RawOutput = o.RawOut is not null,
        };
        if (o.Guidance is float g) r.GuidanceScale = g;
        if (o.Seed is long s) r.Seed = s;
        if (o.InitImage is { } init)
        {
            r.InitImage = ByteString.CopyFrom(File.ReadAllBytes(init.FullName));
            r.Strength = o.Strength;
        }
        if (o.Mask is { } mask) r.MaskImage = ByteString.CopyFrom(File.ReadAllBytes(mask.FullName));
        if (o.Latents is { } latents) r.Latents = RawOutput.ReadLatents(latents.FullName);
        return r;
    }
}
