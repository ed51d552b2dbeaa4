namespace Diffusion.Schedulers.Internal;

/// <summary>
/// <c>torch.linalg.solve</c> for UniPC's tiny (order x order) float32 systems. torch hands its
/// row-major matrix to LAPACK as the column-major transpose, so sgesv factors <c>A^T = P L U</c>
/// (partial pivoting, multipliers scaled by the pivot's reciprocal) and solves
/// <c>U^T L^T P^T x = b</c>. Reproduces OpenBLAS bit for bit on 2 x 2 (UniPC's default order 2) and
/// within a few ulp on 3 x 3.
/// </summary>
internal static class LinearSolver
{
    /// <summary>Solves <c>A x = b</c>; <paramref name="a"/> is row-major n x n and is not modified.</summary>
    public static float[] Solve(float[,] a, float[] b)
    {
        int n = b.Length;
        // m = A^T, factorised in place with row pivoting.
        var m = new float[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                m[i, j] = a[j, i];
        var perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < n; r++)
                if (Math.Abs(m[r, col]) > Math.Abs(m[pivot, col])) pivot = r;
            if (m[pivot, col] == 0)
                throw new InvalidOperationException("UniPC coefficient matrix is singular (repeated sigmas?)");
            if (pivot != col)
            {
                for (int c = 0; c < n; c++) (m[col, c], m[pivot, c]) = (m[pivot, c], m[col, c]);
                (perm[col], perm[pivot]) = (perm[pivot], perm[col]);
            }
            float inverse = 1f / m[col, col];
            for (int r = col + 1; r < n; r++)
            {
                float l = m[r, col] * inverse;
                m[r, col] = l;
                for (int c = col + 1; c < n; c++) m[r, c] -= l * m[col, c];
            }
        }
        // U^T y = b (forward), then L^T z = y (backward, unit diagonal); each row subtracts a dot product.
        var y = (float[])b.Clone();
        for (int i = 0; i < n; i++)
        {
            float dot = 0f;
            for (int k = 0; k < i; k++) dot += m[k, i] * y[k];
            y[i] = (y[i] - dot) / m[i, i];
        }
        for (int i = n - 1; i >= 0; i--)
        {
            float dot = 0f;
            for (int k = i + 1; k < n; k++) dot += m[k, i] * y[k];
            y[i] -= dot;
        }
        // x = P z
        var x = new float[n];
        for (int i = 0; i < n; i++) x[perm[i]] = y[i];
        return x;
    }
}
