using Diffusion.Testing;

namespace Diffusion.Torch.Tests;

public class CudaGraphTests
{
    [NoCudaFact]
    public void Capture_WithoutCudaDevice_ThrowsNotSupportedBeforeRunningBody()
    {
        int calls = 0;

        var e = Assert.Throws<NotSupportedException>(() => CudaGraph.Capture(() => { calls++; return Tensor.Zeros([1]); }));

        Assert.Equal(0, calls);
        Assert.Contains("CUDA", e.Message);
    }

    [Fact]
    public void IsSupported_MatchesBuildInfo() =>
        Assert.Equal(CudaGraph.IsSupported, Torch.BuildInfo.Contains("with CUDA support", StringComparison.Ordinal));

    [CudaFact]
    public void Replay_AfterInputChanges_RecomputesIntoStaticOutput()
    {
        var cuda = new Device(DeviceType.Cuda, 0);
        using var input = Torch.Randn([64, 128], 1, device: cuda);
        using var weight = Torch.Randn([32, 128], 2, device: cuda);
        Tensor Forward()
        {
            using var scope = TensorScope.Enter();
            return input.Linear(weight).Silu().Softmax(-1).MoveToOuterScope();
        }

        using var graph = CudaGraph.Capture(Forward);
        using var next = Torch.Randn([64, 128], 3, device: cuda);
        input.CopyFrom(next);
        graph.Replay();
        Cuda.Synchronize();
        using var expected = Forward();

        Comparison.AssertClose(expected.ToFloatArray(), graph.Output!.ToFloatArray(), 1e-6, "replayed graph");
    }
}
