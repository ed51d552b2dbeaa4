namespace Diffusion.Schedulers.Internal;

/// <summary>
/// The three <c>timestep_spacing</c> strategies of diffusers' <c>set_timesteps</c> (Table 2 of
/// "Common Diffusion Noise Schedules and Sample Steps are Flawed", arXiv:2305.08891), in the variants the
/// scheduler classes use (numpy float64 arithmetic, then int64 or float32).
/// </summary>
internal static class TimestepSpacing
{
    public static readonly string[] Supported = ["leading", "trailing", "linspace"];

    /// <summary>Validates <c>timestep_spacing</c> at construction time.</summary>
    public static string Read(SchedulerConfig config, string className)
    {
        string spacing = config.GetString("timestep_spacing") ?? "null";
        return Supported.Contains(spacing)
            ? spacing
            : throw new SchedulerConfigurationException("timestep_spacing", spacing,
                $"{className}: timestep_spacing={spacing} is not supported (supported: {string.Join(", ", Supported)})");
    }

    /// <summary>DDPM/DDIM: descending int64 timesteps.</summary>
    public static long[] Discrete(string spacing, int trainSteps, int n, long stepsOffset)
    {
        switch (spacing)
        {
            case "linspace":
                return NumpyMath.Linspace(0, trainSteps - 1, n).Select(v => (long)NumpyMath.Round(v)).Reverse().ToArray();
            case "leading":
            {
                long ratio = trainSteps / n;
                return Enumerable.Range(0, n).Select(i => i * ratio + stepsOffset).Reverse().ToArray();
            }
            default:
            {
                double ratio = (double)trainSteps / n;
                return NumpyMath.Arange(trainSteps, 0, -ratio).Select(v => (long)NumpyMath.Round(v) - 1).ToArray();
            }
        }
    }

    /// <summary>LMS/Euler/Euler a/Heun: descending float32 timesteps.</summary>
    public static float[] Float32(string spacing, int trainSteps, int n, long stepsOffset)
    {
        switch (spacing)
        {
            case "linspace":
                return NumpyMath.Linspace(0, trainSteps - 1, n).Select(v => (float)v).Reverse().ToArray();
            case "leading":
            {
                long ratio = trainSteps / n;
                return Enumerable.Range(0, n).Select(i => (float)(i * ratio) + stepsOffset).Reverse().ToArray();
            }
            default:
            {
                double ratio = (double)trainSteps / n;
                return NumpyMath.Arange(trainSteps, 0, -ratio).Select(v => (float)NumpyMath.Round(v) - 1f).ToArray();
            }
        }
    }

    /// <summary>PNDM's <c>_timesteps</c>: ascending int64.</summary>
    public static long[] PndmAscending(string spacing, int trainSteps, int n, long stepsOffset)
    {
        switch (spacing)
        {
            case "linspace":
                return NumpyMath.Linspace(0, trainSteps - 1, n).Select(v => (long)NumpyMath.Round(v)).ToArray();
            case "leading":
            {
                long ratio = trainSteps / n;
                return Enumerable.Range(0, n).Select(i => i * ratio + stepsOffset).ToArray();
            }
            default:
            {
                double ratio = (double)trainSteps / n;
                return NumpyMath.Arange(trainSteps, 0, -ratio).Select(v => (long)NumpyMath.Round(v) - 1).Reverse().ToArray();
            }
        }
    }

    /// <summary>DPM-Solver/UniPC: n + 1 points with the last dropped, so "leading" uses
    /// <c>step_ratio = last_timestep // (n + 1)</c> (901, 811, ... for 10 steps); descending int64.</summary>
    public static long[] Multistep(string spacing, int trainSteps, int lastTimestep, int n, long stepsOffset)
    {
        switch (spacing)
        {
            case "linspace":
                return NumpyMath.Linspace(0, lastTimestep - 1, n + 1).Select(v => (long)NumpyMath.Round(v)).Reverse().Take(n).ToArray();
            case "leading":
            {
                long ratio = lastTimestep / (n + 1);
                return Enumerable.Range(0, n + 1).Select(i => i * ratio).Reverse().Take(n).Select(t => t + stepsOffset).ToArray();
            }
            default:
            {
                double ratio = (double)trainSteps / n;
                return NumpyMath.Arange(lastTimestep, 0, -ratio).Select(v => (long)NumpyMath.Round(v) - 1).ToArray();
            }
        }
    }
}
