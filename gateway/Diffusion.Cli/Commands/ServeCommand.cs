using System.CommandLine;
using Diffusion.Denoiser;
using Diffusion.Gateway;
using Diffusion.Hosting;
using Diffusion.TextEncoder;
using Diffusion.VaeCodec;
using Microsoft.AspNetCore.Builder;

namespace Diffusion.Cli.Commands;

/// <summary>`diffusion serve text-encoder|denoiser|vae-codec|gateway [--urls URL] [--model DIR]`:
/// runs one service in the foreground (what a container runs).</summary>
internal static class ServeCommand
{
    public static readonly string[] Services = ["text-encoder", "denoiser", "vae-codec", "gateway"];

    public static Command Create()
    {
        var service = new Argument<string>("service") { Description = "text-encoder, denoiser, vae-codec or gateway." };
        service.AcceptOnlyFromAmong(Services);
        var urls = new Option<string?>("--urls") { Description = "Address to listen on, e.g. http://0.0.0.0:50050." };
        var model = new Option<string?>("--model") { Description = "Diffusers model folder (model services)." };
        var device = new Option<string>("--device") { Description = "cpu or cuda[:N].", DefaultValueFactory = _ => "cpu" };
        var dtype = new Option<string>("--dtype") { Description = "f32, f16 or bf16.", DefaultValueFactory = _ => "f32" };
        var textEncoder = new Option<string?>("--text-encoder") { Description = "Gateway: TextEncoder address." };
        var denoiser = new Option<string?>("--denoiser") { Description = "Gateway: Denoiser address(es), comma-separated, or dns:///host:port." };
        var vae = new Option<string?>("--vae-codec") { Description = "Gateway: VaeCodec address." };
        var cmd = new Command("serve", "Run one service in the foreground.") { service, urls, model, device, dtype, textEncoder, denoiser, vae };
        cmd.TreatUnmatchedTokensAsErrors = false;
        cmd.SetAction(async (parse, ct) =>
        {
            string name = parse.GetValue(service)!;
            var extra = new List<string>(parse.UnmatchedTokens);
            if (name != "gateway")
                return await ServeModelServiceAsync(name, parse.GetValue(urls), parse.GetValue(model), parse.GetValue(device)!,
                    parse.GetValue(dtype)!, extra, ct);
            if (parse.GetValue(urls) is { } u)
            {
                var uri = new Uri(u);
                extra.Add($"--Gateway:ListenAddress={uri.Host}");
                extra.Add($"--Gateway:Port={uri.Port}");
            }
            if (parse.GetValue(textEncoder) is { } te) extra.Add($"--Gateway:TextEncoder:Address={te}");
            if (parse.GetValue(vae) is { } v) extra.Add($"--Gateway:VaeCodec:Address={v}");
            if (parse.GetValue(denoiser) is { } d)
            {
                var parts = d.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                for (int i = 0; i < parts.Length; i++) extra.Add($"--Gateway:Denoiser:Addresses:{i}={parts[i]}");
            }
            var app = GatewayApp.Build([.. extra]);
            await app.StartAsync(ct);
            try { await Task.Delay(Timeout.Infinite, ct); } catch (OperationCanceledException) { }
            await app.StopAsync(CancellationToken.None);
            return 0;
        });
        return cmd;
    }

    private static async Task<int> ServeModelServiceAsync(string name, string? urls, string? model, string device, string dtype,
        List<string> extra, CancellationToken ct)
    {
        if (model is null && Environment.GetEnvironmentVariable("Diffusion__ModelPath") is null)
        {
            Console.Error.WriteLine($"error: the {name} service needs a model: --model DIR (a diffusers folder) or Diffusion__ModelPath.");
            return 2;
        }
        if (urls is not null) extra.AddRange(["--urls", urls]);
        if (model is not null) extra.Add($"--Diffusion:ModelPath={Path.GetFullPath(model)}");
        extra.Add($"--Diffusion:Device={device}");
        extra.Add($"--Diffusion:DType={dtype}");
        string[] args = [.. extra];
        var provider = new TorchModelProvider();
        WebApplication app = name switch
        {
            "text-encoder" => TextEncoderApp.Build(args, provider),
            "denoiser" => DenoiserApp.Build(args, provider),
            "vae-codec" => VaeCodecApp.Build(args, provider),
            _ => throw new ArgumentException($"unknown service {name}"),
        };
        await using (app)
        {
            await app.StartAsync(ct);
            try { await Task.Delay(Timeout.Infinite, ct); } catch (OperationCanceledException) { }
            await app.StopAsync(CancellationToken.None);
        }
        return 0;
    }
}
