namespace Diffusion.Torch.Tests;

public class DeviceTests
{
    [Theory]
    [InlineData("cpu", DeviceType.Cpu, -1, "cpu")]
    [InlineData("CUDA", DeviceType.Cuda, -1, "cuda")]
    [InlineData("cuda:0", DeviceType.Cuda, 0, "cuda:0")]
    [InlineData(" cuda:3 ", DeviceType.Cuda, 3, "cuda:3")]
    public void Parse_ValidSpelling_RoundTrips(string text, DeviceType type, int index, string canonical)
    {
        var device = Device.Parse(text);

        Assert.Equal(type, device.Type);
        Assert.Equal(index, device.Index);
        Assert.Equal(canonical, device.ToString());
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:x")]
    public void Parse_InvalidSpelling_ThrowsFormatException(string text) =>
        Assert.Throws<FormatException>(() => Device.Parse(text));

    [Fact]
    public void Cuda_NegativeIndex_Throws() => Assert.Throws<ArgumentOutOfRangeException>(() => Device.Cuda(-1));
}
