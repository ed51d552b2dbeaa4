using Diffusion.Torch;

namespace Diffusion.Models.Clip;

/// <summary>transformers <c>BaseModelOutputWithPooling</c> of CLIPTextModel. The tensors are owned by the
/// caller (adopted by the caller's <see cref="TensorScope"/> if one is active); <see cref="Dispose"/>
/// frees them all.</summary>
/// <param name="LastHiddenState">[B, L, D], after final_layer_norm (SD's prompt_embeds).</param>
/// <param name="PoolerOutput">[B, D]: LastHiddenState at each row's EOS position.</param>
/// <param name="HiddenStates">Empty unless requested; else num_layers + 1 tensors [B, L, D]: [0] the
/// embeddings, [i] the output of encoder layer i, none with final_layer_norm.</param>
public sealed record ClipTextOutput(Tensor LastHiddenState, Tensor PoolerOutput, IReadOnlyList<Tensor> HiddenStates) : IDisposable
{
    /// <summary>Frees every tensor of the output.</summary>
    public void Dispose()
    {
        LastHiddenState.Dispose();
        PoolerOutput.Dispose();
        foreach (var t in HiddenStates) t.Dispose();
    }
}
