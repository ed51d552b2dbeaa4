using Diffusion.Torch.Nn;

namespace Diffusion.Torch.Tests;

[Collection(NativeMemoryCollection.Name)]
public class LeakTests
{
    // A small ResNet-like block: conv -> groupnorm -> silu -> linear over channels, residual add.
    private sealed class Block : Module
    {
        private readonly Conv2d _conv;
        private readonly GroupNorm _norm;
        private readonly Linear _proj;

        public Block()
        {
            _conv = RegisterModule("conv", new Conv2d(16, 16, 3, padding: 1));
            _norm = RegisterModule("norm", new GroupNorm(4, 16));
            _proj = RegisterModule("proj", new Linear(16, 16));
        }

        public Tensor Forward(Tensor x)
        {
            using var scope = TensorScope.Enter();
            var h = _conv.Forward(x);                  // [B, 16, H, W]
            h = _norm.Forward(h);
            h = h.Silu();
            h = _proj.Forward(h.Permute(0, 2, 3, 1));  // [B, H, W, 16]
            h = h.Permute(0, 3, 1, 2);                 // [B, 16, H, W]
            return h.Add(x).MoveToOuterScope();
        }
    }

    private static long ResidentBytes()
    {
        // /proc/self/statm: size resident shared ... in pages.
        var fields = File.ReadAllText("/proc/self/statm").Split(' ');
        return long.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) * Environment.SystemPageSize;
    }

    [Fact]
    public void Forward_1000PassesInScopes_KeepsNativeMemoryFlat()
    {
        using var block = new Block();
        using (var g = new Generator(0)) Init.RandomizeParameters(block, g);
        using var x = Torch.Randn([2, 16, 16, 16], 1);

        void Run(int passes)
        {
            for (int i = 0; i < passes; i++)
            {
                using var scope = TensorScope.Enter();
                var y = block.Forward(x);
                _ = y.Sum().Item();
            }
        }

        Run(50); // warm up allocator caches and thread pools
        NativeMemoryCollection.Settle();
        long liveBefore = Torch.LiveTensorCount;
        long rssBefore = ResidentBytes();

        Run(1000);

        long liveAfter = Torch.LiveTensorCount;
        long growth = ResidentBytes() - rssBefore;
        Assert.Equal(liveBefore, liveAfter);
        // One pass allocates ~10 intermediates of 32 KiB; leaking them for 1000 passes would add >300 MB.
        Assert.True(growth < 32L << 20, $"RSS grew by {growth / (1 << 20)} MiB over 1000 forward passes");
    }

    [Fact]
    public void Forward_WithoutScope_OnlyTheReturnedTensorSurvives()
    {
        using var block = new Block();
        using var x = Tensor.Zeros([1, 16, 4, 4]);
        NativeMemoryCollection.Settle();
        long before = Torch.LiveTensorCount;

        using (var y = block.Forward(x))
            Assert.Equal(before + 1, Torch.LiveTensorCount);

        Assert.Equal(before, Torch.LiveTensorCount);
    }
}
