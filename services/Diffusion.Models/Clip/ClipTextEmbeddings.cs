using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.Clip;

/// <summary>transformers <c>CLIPTextEmbeddings</c>: token_embedding(ids) + position_embedding(arange(L)).
/// The <c>position_ids</c> buffer of older checkpoints is recomputed, not stored.</summary>
public sealed class ClipTextEmbeddings : Module
{
    /// <summary>Creates zero tables for <paramref name="config"/>.</summary>
    public ClipTextEmbeddings(ClipTextConfig config, ScalarType dtype, Device? device)
    {
        ArgumentNullException.ThrowIfNull(config);
        // Child modules are kept in fields (they are never replaced); their tensors are looked up at use.
        _tokenEmbedding = RegisterModule("token_embedding", new Embedding(config.VocabSize, config.HiddenSize, dtype, device));
        _positionEmbedding = RegisterModule("position_embedding", new Embedding(config.MaxPositionEmbeddings, config.HiddenSize, dtype, device));
    }

    private readonly Embedding _tokenEmbedding;
    private readonly Embedding _positionEmbedding;

    /// <summary>The token table [vocab, D].</summary>
    public Embedding TokenEmbedding => _tokenEmbedding;

    /// <summary>Int64 ids [B, L] (L ≤ max_position_embeddings) on the module's device -> [B, L, D].</summary>
    public Tensor Forward(Tensor inputIds)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        using var scope = TensorScope.Enter();
        var length = inputIds.Shape[^1];
        var positions = Tensor.Arange(length, ScalarType.Int64, inputIds.Device);
        var tokens = _tokenEmbedding.Forward(inputIds);
        var pos = _positionEmbedding.Forward(positions);
        return tokens.Add(pos).MoveToOuterScope();
    }
}
