namespace Diffusion.Torch.Tests;

public class RuntimeTests
{
    [Fact]
    public void BuildInfo_ReportsLibtorchConfigAndLoadedBlas()
    {
        var info = Torch.BuildInfo;

        Assert.Contains($"libtorch {Torch.Version.Major}.{Torch.Version.Minor}", info);
        Assert.Contains("Loaded BLAS/LAPACK/OpenMP libraries:", info);
        Assert.Contains("PyTorch built with", info); // at::show_config()
        Assert.Contains("ATen/Parallel", info);      // at::get_parallel_info()
    }

    [Fact]
    public void BuildInfo_Blas_IsOpenBlasPthreadOrMkl()
    {
        // Debian's libtorch links the generic libblas.so.3; the alternatives system must point it at
        // OpenBLAS (pthread), else GEMMs run on the reference BLAS, ~40x slower. Official libtorch
        // builds bring MKL instead.
        var info = Torch.BuildInfo;

        bool openBlasPthread = info.Contains("OpenBLAS: OpenBLAS", StringComparison.Ordinal) && info.Contains("parallel=pthread", StringComparison.Ordinal);
        bool mkl = info.Contains("BLAS_INFO=mkl", StringComparison.Ordinal);
        Assert.True(openBlasPthread || mkl, info);
    }

    [Fact]
    public void BuildInfo_WithoutLibtorchSdpa_NamesFusedAttentionInstructionSet()
    {
        if (Torch.Version >= new Version(2, 1))
            Assert.Contains("at::scaled_dot_product_attention", Torch.BuildInfo);
        else
            Assert.Matches(@"fused CPU kernel \((avx512 \(x86-64-v4\)|avx2 \(x86-64-v3\)|baseline)\)", Torch.BuildInfo);
    }

    [Fact]
    public void Version_IsAtLeast113() => Assert.True(Torch.Version >= new Version(1, 13), Torch.Version.ToString());

    [Fact]
    public void NumThreads_AfterLoad_IsDefaultThreadCount()
    {
        // Only this class changes the thread count, and its tests run one at a time.
        Assert.Equal(Native.NativeLibraryLoader.DefaultThreadCount(), Torch.NumThreads);
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Native.NativeLibraryLoader.ThreadsVariable)))
            Assert.Equal(Environment.ProcessorCount, Torch.NumThreads);
    }

    [Fact]
    public void DefaultThreadCount_EnvironmentVariable_OverridesUnlessInvalid()
    {
        var variable = Native.NativeLibraryLoader.ThreadsVariable;
        var original = Environment.GetEnvironmentVariable(variable);
        try
        {
            Environment.SetEnvironmentVariable(variable, "3");
            Assert.Equal(3, Native.NativeLibraryLoader.DefaultThreadCount());
            Environment.SetEnvironmentVariable(variable, "0");
            Assert.Equal(Environment.ProcessorCount, Native.NativeLibraryLoader.DefaultThreadCount());
            Environment.SetEnvironmentVariable(variable, "many");
            Assert.Equal(Environment.ProcessorCount, Native.NativeLibraryLoader.DefaultThreadCount());
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, original);
        }
    }

    [Fact]
    public void SetNumThreads_AppliesToOpsOnOtherThreads()
    {
        int original = Torch.NumThreads;
        try
        {
            Torch.SetNumThreads(1);
            int seenElsewhere = 0;
            var thread = new Thread(() => seenElsewhere = Torch.NumThreads);
            thread.Start();
            thread.Join();

            Assert.Equal(1, Torch.NumThreads);
            Assert.Equal(1, seenElsewhere);
        }
        finally
        {
            Torch.SetNumThreads(original);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => Torch.SetNumThreads(0));
    }

    [NoCudaFact]
    public void Cuda_WithoutDevice_ReportsNoneAndRefusesStats()
    {
        Assert.False(Cuda.IsAvailable);
        Assert.Equal(0, Cuda.DeviceCount);
        Assert.Throws<TorchException>(() => Cuda.MemoryStats(0));
    }

    [CudaFact]
    public void Cuda_TensorRoundTrip_MatchesCpuAndReportsMemory()
    {
        using var cpu = Tensor.FromArray([1f, 2f, 3f], 3);
        using var gpu = cpu.To(Device.Cuda(0));
        using var doubled = gpu.Mul(2);
        Cuda.Synchronize(0);

        Assert.Equal(Device.Cuda(0), doubled.Device);
        Assert.Equal([2f, 4f, 6f], doubled.ToArray<float>());
        Assert.True(Cuda.MemoryStats(0).AllocatedBytes > 0);
    }

    [CudaFact]
    public void Cuda_ConvAndAttention_MatchCpu()
    {
        using var x = Torch.Randn([1, 4, 8, 8], 1);
        using var w = Torch.Randn([8, 4, 3, 3], 2);
        using var scope = TensorScope.Enter();
        var cuda = Device.Cuda(0);

        var expected = x.Conv2d(w, padding: 1).ToArray<float>();
        var actual = x.To(cuda).Conv2d(w.To(cuda), padding: 1).ToArray<float>();
        Diffusion.Testing.Comparison.AssertClose(expected, actual, 1e-3, "cuda conv2d");

        var q = Torch.Randn([2, 8, 64, 40], 3);
        var expectedAttention = Tensor.ScaledDotProductAttention(q, q, q).ToArray<float>();
        var actualAttention = Tensor.ScaledDotProductAttention(q.To(cuda), q.To(cuda), q.To(cuda)).ToArray<float>();
        Diffusion.Testing.Comparison.AssertClose(expectedAttention, actualAttention, 1e-3, "cuda sdpa");
    }

    [Fact]
    public void LoaderDiagnostic_NamesFileLocationsAndBuildCommand()
    {
        var message = Native.NativeLibraryLoader.DescribeFailure(["/nowhere/libdiffusion_torch.so: not found"]);

        Assert.Contains("libdiffusion_torch.so", message);
        Assert.Contains("/nowhere/libdiffusion_torch.so: not found", message);
        Assert.Contains("./test.sh", message);
        Assert.Contains("dotnet build services/Diffusion.Torch", message);
        Assert.Contains("apt-get install libtorch-dev libopenblas0-pthread", message);
    }
}
