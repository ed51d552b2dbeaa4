using System.Text.Json;
using System.Text.RegularExpressions;
using Diffusion.Imaging;
using Diffusion.Pipelines.Generation;

namespace Diffusion.EndToEnd.Tests;

/// <summary>One full diffusers run in ../shared/reference/pipelines: its __call__ arguments, inputs and outputs.</summary>
internal sealed partial record ReferenceCase(string Name, string[] Prompts, string[] NegativePrompts, int Steps, float Guidance,
    string Scheduler, long Seed, int Width, int Height, float Strength, string? InitImage, string? MaskImage, bool HasLatents)
{
    public static readonly string[] Names =
    [
        "txt2img_ddim", "txt2img_euler_batch2", "txt2img_dpmpp2m", "txt2img_dpmpp2m_karras", "txt2img_euler_ancestral",
        "img2img_ddim", "img2img_euler", "inpaint_ddim",
    ];

    public string Tensors => TestPaths.ReferenceFile("pipelines", Name + ".safetensors");

    public static ReferenceCase Load(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestPaths.ReferenceFile("pipelines", name + ".json")));
        var args = doc.RootElement.GetProperty("args");
        var call = args.GetProperty("call_kwargs");
        var scheduler = args.GetProperty("scheduler");
        string className = scheduler.GetProperty("_class_name").GetString()!;
        // The UI name carries the config option that differs from the class defaults.
        if (className == "DPMSolverMultistepScheduler" && scheduler.TryGetProperty("use_karras_sigmas", out var k) && k.GetBoolean())
            className = "DPM++ 2M Karras";
        var seed = long.Parse(SeedPattern().Match(args.GetProperty("generator").GetString()!).Groups[1].Value);
        var files = args.GetProperty("image_files");
        string? ImageFile(string key) => files.TryGetProperty(key, out var v) ? TestPaths.ReferenceFile(v.GetString()!) : null;
        var (width, height) = (0, 0);
        string? init = ImageFile("image");
        if (call.TryGetProperty("width", out var w)) (width, height) = (w.GetInt32(), call.GetProperty("height").GetInt32());
        else if (init is not null)
        {
            var image = PngDecoder.Decode(System.IO.File.ReadAllBytes(init));
            (width, height) = (image.Width, image.Height);
        }
        return new ReferenceCase(name, Strings(call.GetProperty("prompt")), Strings(call.GetProperty("negative_prompt")),
            call.GetProperty("num_inference_steps").GetInt32(), call.GetProperty("guidance_scale").GetSingle(), className, seed,
            width, height, call.TryGetProperty("strength", out var s) ? s.GetSingle() : 1f, init, ImageFile("mask_image"),
            call.TryGetProperty("latents", out _));
    }

    public GenerationRequest ToGenerationRequest(SafetensorsFile tensors) => new()
    {
        Prompts = Prompts,
        NegativePrompts = NegativePrompts,
        Steps = Steps,
        GuidanceScale = Guidance,
        Scheduler = Scheduler,
        Seed = Seed,
        Width = Width,
        Height = Height,
        Strength = Strength,
        InitImage = InitImage is null ? null : PngDecoder.Decode(System.IO.File.ReadAllBytes(InitImage)),
        Mask = MaskImage is null ? null : PngDecoder.Decode(System.IO.File.ReadAllBytes(MaskImage)),
        Latents = HasLatents ? tensors.Floats("latents_in") : null,
    };

    private static string[] Strings(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array ? [.. e.EnumerateArray().Select(x => x.GetString()!)] : [e.GetString()!];

    public override string ToString() => Name;

    [GeneratedRegex(@"manual_seed\((\d+)\)")]
    private static partial Regex SeedPattern();
}
