using System.CommandLine;

namespace Diffusion.Cli.Commands;

/// <summary>`diffusion generate PROMPT [options]`.</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var prompt = new Argument<string>("prompt") { Description = "What to draw." };
        var negative = new Option<string>("--negative-prompt") { Description = "What to steer away from.", DefaultValueFactory = _ => "" };
        var steps = new Option<int>("--steps") { Description = "Denoising steps (0 = the gateway's default, 30).", DefaultValueFactory = _ => 0 };
        var guidance = new Option<float?>("--guidance") { Description = "Classifier-free guidance scale (default 7.5; <= 1 disables it)." };
        var scheduler = new Option<string>("--scheduler") { Description = "Scheduler: a diffusers class name or a UI name such as \"Euler a\" or \"DPM++ 2M Karras\" (default: the model's scheduler_config.json).", DefaultValueFactory = _ => "" };
        var seed = new Option<long?>("--seed") { Description = "Seed of the CPU generator (same seed and settings = same image as diffusers). Random when omitted." };
        var width = new Option<int>("--width") { Description = "Width in pixels, a multiple of 8 (0 = the model's default).", DefaultValueFactory = _ => 0 };
        var height = new Option<int>("--height") { Description = "Height in pixels, a multiple of 8 (0 = the model's default).", DefaultValueFactory = _ => 0 };
        var numImages = new Option<int>("--num-images") { Description = "Images for the prompt.", DefaultValueFactory = _ => 1 };
        var initImage = new Option<FileInfo?>("--init-image") { Description = "PNG to start from (img2img, or inpainting with --mask)." };
        var strength = new Option<float>("--strength") { Description = "How much of the init image to repaint, in (0, 1].", DefaultValueFactory = _ => 0.8f };
        var mask = new Option<FileInfo?>("--mask") { Description = "PNG mask, white = repaint (needs --init-image)." };
        var clipSkip = new Option<int>("--clip-skip") { Description = "Skip the last N text-encoder layers (diffusers' clip_skip).", DefaultValueFactory = _ => 0 };
        var model = new Option<string?>("--model") { Description = "A diffusers folder (SD 1.x/2.x). Default: the built-in tiny random-weight model, whose images are noise." };
        var output = new Option<string>("--out", "-o") { Description = "Output PNG (several images: NAME-0.png, NAME-1.png, ...).", DefaultValueFactory = _ => "out.png" };
        var grid = new Option<bool>("--grid") { Description = "Also write all images as one grid (NAME-grid.png)." };
        var gateway = new Option<string?>("--gateway") { Description = "URL of a running gateway, e.g. http://localhost:50050. Without it the CLI starts the four services locally for this job." };
        var apiKey = new Option<string?>("--api-key") { Description = "API key for the gateway (sent as authorization: Bearer KEY). Default: $DIFFUSION_API_KEY." };
        var latents = new Option<FileInfo?>("--latents") { Description = "Parity: safetensors with 'latents_in' (diffusers' latents= argument)." };
        var rawOut = new Option<FileInfo?>("--raw-out") { Description = "Parity: write safetensors with 'image' (F32 NHWC in [0,1]) and 'final_latents'." };
        var device = new Option<string>("--device") { Description = "cpu or cuda[:N] for the local services.", DefaultValueFactory = _ => "cpu" };
        var dtype = new Option<string>("--dtype") { Description = "f32, f16 or bf16 for the local services.", DefaultValueFactory = _ => "f32" };
        var timeout = new Option<double>("--timeout") { Description = "Overall deadline in seconds.", DefaultValueFactory = _ => 3600 };
        var chunk = new Option<bool>("--chunk-long-prompts") { Description = "Encode prompts over 75 tokens in chunks instead of truncating." };

        var cmd = new Command("generate", "Generate images from a prompt and write PNGs.")
        {
            prompt, negative, steps, guidance, scheduler, seed, width, height, numImages, initImage, strength, mask,
            clipSkip, model, output, grid, gateway, apiKey, latents, rawOut, device, dtype, timeout, chunk,
        };
        cmd.SetAction((parse, ct) => GenerateRunner.RunAsync(new GenerateOptions
        {
            Prompt = parse.GetValue(prompt)!,
            NegativePrompt = parse.GetValue(negative) ?? "",
            Steps = parse.GetValue(steps),
            Guidance = parse.GetValue(guidance),
            Scheduler = parse.GetValue(scheduler) ?? "",
            Seed = parse.GetValue(seed),
            Width = parse.GetValue(width),
            Height = parse.GetValue(height),
            NumImages = parse.GetValue(numImages),
            InitImage = parse.GetValue(initImage),
            Strength = parse.GetValue(strength),
            Mask = parse.GetValue(mask),
            ClipSkip = parse.GetValue(clipSkip),
            Model = parse.GetValue(model),
            Out = parse.GetValue(output) ?? "out.png",
            Grid = parse.GetValue(grid),
            Gateway = parse.GetValue(gateway),
            ApiKey = parse.GetValue(apiKey) ?? Environment.GetEnvironmentVariable("DIFFUSION_API_KEY"),
            Latents = parse.GetValue(latents),
            RawOut = parse.GetValue(rawOut),
            Device = parse.GetValue(device) ?? "cpu",
            DType = parse.GetValue(dtype) ?? "f32",
            Timeout = TimeSpan.FromSeconds(parse.GetValue(timeout)),
            ChunkLongPrompts = parse.GetValue(chunk),
        }, ct));
        return cmd;
    }
}
