namespace Diffusion.Imaging;

/// <summary><c>torch.nn.functional.interpolate(x, size=(oh, ow), mode="nearest")</c> on NCHW float tensors.</summary>
public static class NearestInterpolation
{
    /// <summary>Resizes every [H, W] plane of an NCHW tensor by nearest neighbour.</summary>
    /// <param name="input">[batch, channels, inHeight, inWidth]; read only.</param>
    /// <returns>A new [batch, channels, outHeight, outWidth] tensor.</returns>
    public static float[] Resize(ReadOnlySpan<float> input, int batch, int channels, int inHeight, int inWidth, int outHeight, int outWidth)
    {
        long inPlane = VaeImageProcessor.CheckShape(input.Length, batch, channels, inHeight, inWidth);
        ArgumentOutOfRangeException.ThrowIfLessThan(outHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outWidth, 1);
        long outPlane = (long)outHeight * outWidth;
        long total = (long)batch * channels * outPlane;
        if (total > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(outHeight), "output too large");
        var rows = SourceIndices(inHeight, outHeight);
        var cols = SourceIndices(inWidth, outWidth);
        var output = new float[total];
        for (long p = 0; p < (long)batch * channels; p++)
        {
            var src = input.Slice((int)(p * inPlane), (int)inPlane);
            var dst = output.AsSpan((int)(p * outPlane), (int)outPlane);
            for (int y = 0; y < outHeight; y++)
            {
                var srcRow = src.Slice(rows[y] * inWidth, inWidth);
                var dstRow = dst.Slice(y * outWidth, outWidth);
                for (int x = 0; x < outWidth; x++)
                    dstRow[x] = srcRow[cols[x]];
            }
        }
        return output;
    }

    /// <summary>ATen UpSample.h <c>nearest_idx</c> (no scale factor given): identity for equal
    /// sizes, <c>dst &gt;&gt; 1</c> for exact 2x, otherwise
    /// <c>min(floor(dst * (float)in / out), in - 1)</c> computed in float32 like ATen, which for
    /// some sizes differs from the exact rational floor.</summary>
    public static int[] SourceIndices(int inSize, int outSize)
    {
        var idx = new int[outSize];
        float scale = (float)inSize / outSize;
        for (int i = 0; i < outSize; i++)
        {
            idx[i] = outSize == inSize ? i
                : outSize == 2 * inSize ? i >> 1
                : Math.Min((int)MathF.Floor(i * scale), inSize - 1);
        }
        return idx;
    }
}
