namespace Diffusion.Schedulers.Tests;

public sealed class SchedulerConfigTests
{
    [Fact]
    public void Parse_UnknownKeys_KeptInFileOrder()
    {
        var config = SchedulerConfig.Parse("""{"_class_name": "DDIMScheduler", "zeta": 1, "alpha": [1, 2], "beta_end": 0.012}""");

        Assert.Equal(["_class_name", "zeta", "alpha", "beta_end"], config.Keys);
        Assert.Equal("DDIMScheduler", config.ClassName);
        Assert.Equal("""{"_class_name":"DDIMScheduler","zeta":1,"alpha":[1,2],"beta_end":0.012}""", config.ToJson());
    }

    [Fact]
    public void Parse_PythonNonFiniteTokens_ReadAsNumbers()
    {
        var config = SchedulerConfig.Parse("""{"lambda_min_clipped": -Infinity, "a": NaN, "b": Infinity, "s": "-Infinity text"}""");

        Assert.Equal(double.NegativeInfinity, config.GetDouble("lambda_min_clipped"));
        Assert.True(double.IsNaN(config.GetDouble("a")));
        Assert.Equal(double.PositiveInfinity, config.GetDouble("b"));
        Assert.Equal("-Infinity text", config.GetString("s"));
    }

    [Theory]
    [InlineData("\"-inf\"", double.NegativeInfinity)]
    [InlineData("\"inf\"", double.PositiveInfinity)]
    [InlineData("1e-3", 0.001)]
    [InlineData("2", 2.0)]
    public void GetDouble_NumbersAndPythonSpellings_Parse(string json, double expected)
    {
        var config = SchedulerConfig.Parse($$"""{"x": {{json}}}""");

        Assert.Equal(expected, config.GetDouble("x"));
    }

    [Fact]
    public void TypedGetters_WrongType_ThrowNamingKeyAndValue()
    {
        var config = SchedulerConfig.Parse("""{"steps_offset": "one", "num_train_timesteps": 999.5, "clip_sample": "yes"}""");

        var e = Assert.Throws<SchedulerConfigurationException>(() => config.GetInt64("steps_offset"));
        Assert.Equal("steps_offset", e.Option);
        Assert.Equal("one", e.Value);
        Assert.Throws<SchedulerConfigurationException>(() => config.GetInt64("num_train_timesteps"));
        Assert.Throws<SchedulerConfigurationException>(() => config.GetBoolean("clip_sample"));
        Assert.Throws<SchedulerConfigurationException>(() => config.GetDouble("missing"));
    }

    [Fact]
    public void With_ExistingAndNewKeys_ReturnsCopiesAndKeepsOriginal()
    {
        var original = SchedulerConfig.Parse("""{"a": 1, "b": 2}""");

        var changed = original.With("a", "x").With("c", "y").Without("b");

        Assert.Equal(["a", "c"], changed.Keys);
        Assert.Equal("x", changed.GetString("a"));
        Assert.Equal(["a", "b"], original.Keys);
        Assert.Equal(1, original.GetInt64("a"));
    }

    [Fact]
    public void Parse_NotAnObject_Throws()
    {
        Assert.Throws<SchedulerConfigurationException>(() => SchedulerConfig.Parse("[1, 2]"));
        Assert.Throws<SchedulerConfigurationException>(() => SchedulerConfig.Parse("{"));
    }

    [Fact]
    public void Config_RoundTripThroughJson_CreatesIdenticalScheduler()
    {
        var first = SchedulerFactory.Create("DPM++ 2M Karras", TestConfigs.StableDiffusion15);

        var second = SchedulerFactory.Create(null, SchedulerConfig.Parse(first.Config.ToJson()));
        first.SetTimesteps(20);
        second.SetTimesteps(20);

        Assert.Equal(first.Timesteps, second.Timesteps);
        Assert.Equal(first.Sigmas, second.Sigmas);
    }
}
