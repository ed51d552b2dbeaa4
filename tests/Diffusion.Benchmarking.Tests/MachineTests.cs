using Diffusion.Benchmarking.Machine;

namespace Diffusion.Benchmarking.Tests;

public class MachineTests
{
    [Fact]
    public void ParseVmHwmMb_StatusText_ReturnsMebibytes()
    {
        const string status = "Name:\tdotnet\nVmPeak:\t 9000000 kB\nVmHWM:\t  2048000 kB\nVmRSS:\t 1000 kB\n";

        Assert.Equal(2000.0, PeakMemory.ParseVmHwmMb(status));
    }

    [Fact]
    public void ParseVmHwmMb_NoLine_ReturnsNull() =>
        Assert.Null(PeakMemory.ParseVmHwmMb("Name:\tx\nVmRSS:\t1 kB\n"));

    [Fact]
    public void CurrentProcessMb_OnLinux_IsPositive()
    {
        var mb = PeakMemory.CurrentProcessMb();

        Assert.NotNull(mb);
        Assert.True(mb > 1.0);
    }

    [Fact]
    public void ParseCpuModel_Cpuinfo_ReturnsFirstModelName() =>
        Assert.Equal("AMD EPYC 9R14", MachineDescription.ParseCpuModel("processor\t: 0\nmodel name\t: AMD EPYC 9R14\nprocessor\t: 1\nmodel name\t: other\n"));

    [Fact]
    public void ParseLoadAverage_Loadavg_ReturnsThreeValues() =>
        Assert.Equal([0.5, 1.25, 2.0], MachineDescription.ParseLoadAverage("0.50 1.25 2.00 1/234 5678\n"));

    [Fact]
    public void ParseMemTotalMb_Meminfo_ReturnsMebibytes() =>
        Assert.Equal(24576.0, MachineDescription.ParseMemTotalMb("MemTotal:       25165824 kB\nMemFree: 1 kB\n"));

    [Fact]
    public void ParseOsPrettyName_OsRelease_StripsQuotes() =>
        Assert.Equal("Debian GNU/Linux 12 (bookworm)", MachineDescription.ParseOsPrettyName("NAME=\"Debian\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"));

    [Fact]
    public void Capture_ThisMachine_DescribesCpuAndRuntime()
    {
        var m = MachineDescription.Capture(2, "1.13.0", "BLAS: OpenBLAS\nparallel: OpenMP\n", null);

        Assert.False(string.IsNullOrWhiteSpace(m.CpuModel));
        Assert.Equal(Environment.ProcessorCount, m.LogicalCores);
        Assert.Equal(["BLAS: OpenBLAS", "parallel: OpenMP"], m.TorchBuild);
        Assert.Contains(".NET", m.DotNetVersion, StringComparison.Ordinal);
        Assert.Equal(3, m.LoadAverage.Count);
    }
}
