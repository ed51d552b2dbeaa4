namespace Diffusion.Schedulers.Internal;

/// <summary>How an option's value is typed (for parsing string overrides and for messages).</summary>
internal enum OptionKind
{
    Integer,
    Number,
    NullableNumber,
    Boolean,
    String,
    NullableString,
    NumberList,
    IntegerList,
    Null,
}

/// <summary>One keyword argument of a diffusers scheduler's <c>__init__</c> with its default (JSON text).</summary>
internal sealed record OptionSpec(string Key, OptionKind Kind, string DefaultJson)
{
    public static OptionSpec Int(string key, long value) => new(key, OptionKind.Integer, value.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static OptionSpec Num(string key, double value) => new(key, OptionKind.Number, value.ToString("R", System.Globalization.CultureInfo.InvariantCulture));

    public static OptionSpec Bool(string key, bool value) => new(key, OptionKind.Boolean, value ? "true" : "false");

    public static OptionSpec Str(string key, string value) => new(key, OptionKind.String, System.Text.Json.JsonSerializer.Serialize(value));

    /// <summary>The options every scheduler shares: the training beta schedule.</summary>
    public static OptionSpec[] BetaSchedule(double betaStart = 0.0001, double betaEnd = 0.02) =>
    [
        Int("num_train_timesteps", 1000),
        Num("beta_start", betaStart),
        Num("beta_end", betaEnd),
        Str("beta_schedule", "linear"),
        new("trained_betas", OptionKind.NumberList, "null"),
    ];
}
