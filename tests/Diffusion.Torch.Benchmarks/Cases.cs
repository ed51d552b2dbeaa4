namespace Diffusion.Torch.Benchmarks;

/// <summary>The workloads: SD 1.5 UNet shapes at batch 2 (CFG), 64x64 latents.</summary>
public static class Cases
{
    /// <summary>Conv2d and matmul cases, run identically by both sides.</summary>
    public static IReadOnlyList<BenchCase> Shared(bool quick) => quick
        ?
        [
            new("conv3x3 [2,64,32,32]x[64,64]", OpKind.Conv2d, [2, 64, 32, 32], [64, 64, 3, 3], Padding: 1),
            new("matmul [512,256]x[256,512]", OpKind.MatMul, [512, 256], [256, 512]),
        ]
        :
        [
            // The UNet's first-level ResnetBlock conv and a mid-level one.
            new("conv3x3 [2,320,64,64]x[320,320]", OpKind.Conv2d, [2, 320, 64, 64], [320, 320, 3, 3], Padding: 1),
            new("conv3x3 [2,640,32,32]x[640,640]", OpKind.Conv2d, [2, 640, 32, 32], [640, 640, 3, 3], Padding: 1),
            // The first transformer's GEGLU projection (tokens x 320 -> 2560) and a square GEMM.
            new("matmul [8192,320]x[320,2560]", OpKind.MatMul, [8192, 320], [320, 2560]),
            new("matmul [2048,2048]x[2048,2048]", OpKind.MatMul, [2048, 2048], [2048, 2048]),
        ];

    /// <summary>Attention shapes (q [B, H, Lq, d], k/v [B, H, Lk, d]) and a display name.</summary>
    public static IReadOnlyList<(string Name, long[] Q, long[] Kv)> AttentionShapes(bool quick) => quick
        ? [("self L256 d40", [2, 8, 256, 40], [2, 8, 256, 40])]
        :
        [
            ("self L4096 d40", [2, 8, 4096, 40], [2, 8, 4096, 40]),
            ("self L1024 d80", [2, 8, 1024, 80], [2, 8, 1024, 80]),
            ("cross L4096x77 d40", [2, 8, 4096, 40], [2, 8, 77, 40]),
        ];

    /// <summary>Our attention cases: the default (fused where built) and the explicit math path.</summary>
    public static IEnumerable<BenchCase> OurAttention(bool quick) =>
        from s in AttentionShapes(quick)
        from variant in new[] { "fused", "math" }
        select new BenchCase($"attention {s.Name} ours-{variant}", OpKind.Attention, s.Q, s.Kv, Variant: variant);

    /// <summary>PyTorch's attention cases: diffusers' default AttnProcessor and attention slicing
    /// ("auto": slice_size = heads / 2 batch*head rows per slice).</summary>
    public static IEnumerable<BenchCase> TorchAttention(bool quick) =>
        from s in AttentionShapes(quick)
        from variant in new[] { "math", "sliced" }
        select new BenchCase($"attention {s.Name} torch-{variant}", OpKind.Attention, s.Q, s.Kv, Variant: variant,
                             SliceSize: Math.Max(1, s.Q[1] / 2));
}
