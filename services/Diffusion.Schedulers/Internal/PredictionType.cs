namespace Diffusion.Schedulers.Internal;

/// <summary>What the model predicts (<c>prediction_type</c>).</summary>
internal enum PredictionType
{
    /// <summary>"epsilon": the added noise.</summary>
    Epsilon,

    /// <summary>"v_prediction": v = alpha_t * noise - sigma_t * x0 (Imagen Video, section 2.4).</summary>
    VPrediction,

    /// <summary>"sample" (or Euler's "original_sample"): x0 itself.</summary>
    Sample,
}

internal static class PredictionTypes
{
    /// <summary>Reads <c>prediction_type</c>, accepting only the spellings the class's <c>step</c> handles.</summary>
    public static PredictionType Read(SchedulerConfig config, string className, params string[] supported)
    {
        string value = Validate.OneOf(config, "prediction_type", className, supported);
        return value switch
        {
            "epsilon" => PredictionType.Epsilon,
            "v_prediction" => PredictionType.VPrediction,
            _ => PredictionType.Sample,
        };
    }
}
