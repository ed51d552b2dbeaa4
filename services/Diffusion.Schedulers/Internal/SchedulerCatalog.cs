namespace Diffusion.Schedulers.Internal;

/// <summary>A diffusers scheduler class this port implements.</summary>
internal sealed record SchedulerDescriptor(string ClassName, IReadOnlyList<OptionSpec> Options, Func<SchedulerConfig, IScheduler> Create);

/// <summary>A UI name: a class plus the overrides the name implies.</summary>
internal sealed record SchedulerAlias(string Name, string ClassName, IReadOnlyDictionary<string, string> ImpliedOverrides);

/// <summary>The implemented classes and the UI names that select them.</summary>
internal static class SchedulerCatalog
{
    public static readonly IReadOnlyList<SchedulerDescriptor> Classes =
    [
        new(DdpmScheduler.ClassName, DdpmScheduler.Options, c => new DdpmScheduler(c)),
        new(DdimScheduler.ClassName, DdimScheduler.Options, c => new DdimScheduler(c)),
        new(PndmScheduler.ClassName, PndmScheduler.Options, c => new PndmScheduler(c)),
        new(LmsDiscreteScheduler.ClassName, LmsDiscreteScheduler.Options, c => new LmsDiscreteScheduler(c)),
        new(EulerDiscreteScheduler.ClassName, EulerDiscreteScheduler.Options, c => new EulerDiscreteScheduler(c)),
        new(EulerAncestralDiscreteScheduler.ClassName, EulerAncestralDiscreteScheduler.Options, c => new EulerAncestralDiscreteScheduler(c)),
        new(HeunDiscreteScheduler.ClassName, HeunDiscreteScheduler.Options, c => new HeunDiscreteScheduler(c)),
        new(DpmSolverMultistepScheduler.ClassName, DpmSolverMultistepScheduler.Options, c => new DpmSolverMultistepScheduler(c)),
        new(UniPcMultistepScheduler.ClassName, UniPcMultistepScheduler.Options, c => new UniPcMultistepScheduler(c)),
    ];

    private static readonly Dictionary<string, string> s_none = [];

    private static readonly Dictionary<string, string> s_dpmpp2m = new()
    {
        ["algorithm_type"] = "dpmsolver++", ["solver_order"] = "2", ["use_karras_sigmas"] = "false",
    };

    private static readonly Dictionary<string, string> s_dpmpp2mSde = new()
    {
        ["algorithm_type"] = "sde-dpmsolver++", ["solver_order"] = "2", ["use_karras_sigmas"] = "false",
    };

    public static readonly IReadOnlyList<SchedulerAlias> Aliases =
    [
        new("DDPM", DdpmScheduler.ClassName, s_none),
        new("DDIM", DdimScheduler.ClassName, s_none),
        new("PNDM", PndmScheduler.ClassName, s_none),
        new("LMS", LmsDiscreteScheduler.ClassName, s_none),
        new("Euler", EulerDiscreteScheduler.ClassName, s_none),
        new("Euler a", EulerAncestralDiscreteScheduler.ClassName, s_none),
        new("Heun", HeunDiscreteScheduler.ClassName, s_none),
        new("DPM++ 2M", DpmSolverMultistepScheduler.ClassName, s_dpmpp2m),
        new("DPM++ 2M Karras", DpmSolverMultistepScheduler.ClassName, With(s_dpmpp2m, "use_karras_sigmas", "true")),
        new("DPM++ 2M SDE", DpmSolverMultistepScheduler.ClassName, s_dpmpp2mSde),
        new("DPM++ 2M SDE Karras", DpmSolverMultistepScheduler.ClassName, With(s_dpmpp2mSde, "use_karras_sigmas", "true")),
        new("UniPC", UniPcMultistepScheduler.ClassName, s_none),
    ];

    public static SchedulerDescriptor? FindClass(string className) =>
        Classes.FirstOrDefault(c => string.Equals(c.ClassName, className, StringComparison.OrdinalIgnoreCase));

    public static SchedulerAlias? FindAlias(string name) =>
        Aliases.FirstOrDefault(a => string.Equals(a.Name, name.Trim(), StringComparison.OrdinalIgnoreCase));

    private static Dictionary<string, string> With(Dictionary<string, string> d, string key, string value) =>
        new(d) { [key] = value };
}
