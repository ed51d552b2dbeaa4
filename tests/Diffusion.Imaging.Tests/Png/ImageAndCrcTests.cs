namespace Diffusion.Imaging.Tests;

public class ImageAndCrcTests
{
    [Fact]
    public void Crc32_CheckValue_MatchesIso3309()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        Assert.Equal(0xAE426082u, Crc32.Compute("IEND"u8)); // the CRC every PNG ends with
    }

    [Fact]
    public void Image_WrongBufferSizeOrChannels_Throws()
    {
        Assert.Throws<ArgumentException>(() => new Image(2, 2, 3, new byte[11]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Image(2, 2, 5, new byte[20]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Image(0, 2, 3, []));
    }

    [Fact]
    public void Image_Row_IsAViewOfPixels()
    {
        var image = Image.Create(3, 2, 2);
        image.Row(1)[0] = 9;
        Assert.Equal(9, image.Pixels[6]);
        Assert.Equal(6, image.Stride);
        Assert.True(image.HasAlpha);
    }
}
