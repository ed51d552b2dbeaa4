namespace Diffusion.Imaging;

/// <summary>A keyword/text pair stored in a PNG text chunk (tEXt, zTXt or iTXt; PNG spec 11.3.4).</summary>
/// <param name="Keyword">1-79 Latin-1 characters, e.g. <see cref="ParametersKeyword"/>.</param>
/// <param name="Text">The text; any Unicode (written as iTXt when it is not Latin-1).</param>
public sealed record PngTextChunk(string Keyword, string Text)
{
    /// <summary>The keyword under which popular Stable Diffusion UIs (AUTOMATIC1111, Forge)
    /// store the generation parameters ("prompt\nNegative prompt: ...\nSteps: 20, Seed: ...").</summary>
    public const string ParametersKeyword = "parameters";
}
