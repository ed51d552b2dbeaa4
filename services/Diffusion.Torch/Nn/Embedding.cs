namespace Diffusion.Torch.Nn;

/// <summary>torch.nn.Embedding: a lookup table weight [numEmbeddings, dim] (zeros until loaded).</summary>
public sealed class Embedding : Module
{
    /// <summary>Creates the table.</summary>
    public Embedding(long numEmbeddings, long embeddingDim, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        RegisterParameter("weight", Tensor.Zeros([numEmbeddings, embeddingDim], dtype, device));
    }

    /// <summary>Rows of the table.</summary>
    public long NumEmbeddings { get; }
    /// <summary>Width of each row.</summary>
    public long EmbeddingDim { get; }
    /// <summary>[numEmbeddings, dim].</summary>
    public Tensor Weight => GetTensor("weight")!;

    /// <summary>Int64 indices of any shape -> [..., dim].</summary>
    public Tensor Forward(Tensor indices) => Tensor.Embedding(Weight, indices);
}
