using Diffusion.Torch;

namespace Diffusion.Models.Vae;

/// <summary>diffusers <c>AutoencoderKL.tiled_decode</c> / <c>tiled_encode</c> geometry: overlapping input
/// tiles run through a model function one at a time, each output tile blended linearly into its upper and
/// left neighbours over <c>blendExtent</c> rows/columns, cropped to <c>rowLimit</c> and concatenated.</summary>
public static class VaeTiling
{
    /// <summary>diffusers' <c>tile_overlap_factor</c>.</summary>
    public const double OverlapFactor = 0.25;

    /// <summary>Runs <paramref name="model"/> over tiles of <paramref name="input"/> [B, C, H, W].</summary>
    /// <param name="input">Whole input.</param>
    /// <param name="tileIn">Input tile size (square).</param>
    /// <param name="tileOut">Output tile size for a full input tile.</param>
    /// <param name="model">Maps an input tile to an output tile (result in the caller's scope).</param>
    /// <returns>The blended output, in the caller's scope.</returns>
    public static Tensor Apply(Tensor input, int tileIn, int tileOut, Func<Tensor, Tensor> model)
    {
        using var scope = TensorScope.Enter();
        // Same integer truncations as diffusers.
        var overlap = (int)(tileIn * (1 - OverlapFactor));
        var blendExtent = (int)(tileOut * OverlapFactor);
        var rowLimit = tileOut - blendExtent;
        long height = input.Size(2), width = input.Size(3);
        var rows = new List<List<Tensor>>();
        for (long i = 0; i < height; i += overlap)
        {
            var row = new List<Tensor>();
            for (long j = 0; j < width; j += overlap)
            {
                var tile = input.Narrow(2, i, Math.Min(tileIn, height - i)).Narrow(3, j, Math.Min(tileIn, width - j));
                row.Add(model(tile));
            }
            rows.Add(row);
        }
        var resultRows = new List<Tensor>();
        for (var i = 0; i < rows.Count; i++)
        {
            var resultRow = new List<Tensor>();
            for (var j = 0; j < rows[i].Count; j++)
            {
                // diffusers blends in place, so later tiles see their neighbours already blended.
                var tile = rows[i][j];
                if (i > 0) tile = Blend(rows[i - 1][j], tile, blendExtent, 2);
                if (j > 0) tile = Blend(rows[i][j - 1], tile, blendExtent, 3);
                rows[i][j] = tile;
                resultRow.Add(tile.Narrow(2, 0, Math.Min(rowLimit, tile.Size(2))).Narrow(3, 0, Math.Min(rowLimit, tile.Size(3))));
            }
            resultRows.Add(Tensor.Cat(resultRow.ToArray(), 3));
        }
        return Tensor.Cat(resultRows.ToArray(), 2).MoveToOuterScope();
    }

    /// <summary>diffusers <c>blend_v</c> (dim 2) / <c>blend_h</c> (dim 3): the first <c>e</c> lines of
    /// <paramref name="b"/> become <c>a[last e lines] · (1 - y/e) + b · (y/e)</c>.</summary>
    private static Tensor Blend(Tensor a, Tensor b, int extent, int dim)
    {
        var e = (int)Math.Min(Math.Min(a.Size(dim), b.Size(dim)), extent);
        if (e == 0) return b;
        var w = new float[e];
        var wc = new float[e];
        for (var y = 0; y < e; y++)
        {
            w[y] = (float)((double)y / e);
            wc[y] = (float)(1 - (double)y / e);
        }
        long[] shape = dim == 2 ? [1, 1, e, 1] : [1, 1, 1, e];
        var weight = Tensor.FromArray<float>(w, shape, b.Device, b.Dtype);
        var weightComplement = Tensor.FromArray<float>(wc, shape, b.Device, b.Dtype);
        var head = a.Narrow(dim, a.Size(dim) - e, e).Mul(weightComplement).Add(b.Narrow(dim, 0, e).Mul(weight));
        return Tensor.Cat([head, b.Narrow(dim, e, b.Size(dim) - e)], dim);
    }
}
