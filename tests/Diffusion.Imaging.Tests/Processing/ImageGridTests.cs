namespace Diffusion.Imaging.Tests;

public class ImageGridTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(2, 1, 2)]
    [InlineData(3, 2, 2)]
    [InlineData(4, 2, 2)]
    [InlineData(5, 2, 3)]
    [InlineData(6, 2, 3)]
    [InlineData(9, 3, 3)]
    [InlineData(10, 3, 4)]
    public void Layout_Count_NearSquare(int count, int rows, int cols)
    {
        Assert.Equal((rows, cols), ImageGrid.Layout(count));
    }

    [Fact]
    public void Compose_ThreeImagesInTwoByTwo_PlacesRowMajorAndLeavesLastCellBlack()
    {
        var images = Enumerable.Range(1, 3).Select(i => new Image(2, 1, 3, Enumerable.Repeat((byte)(i * 50), 6).ToArray())).ToList();

        var grid = ImageGrid.Compose(images, rows: 2, cols: 2);

        Assert.Equal((4, 2, 3), (grid.Width, grid.Height, grid.Channels));
        byte[] expected =
        [
            50, 50, 50, 50, 50, 50, 100, 100, 100, 100, 100, 100,
            150, 150, 150, 150, 150, 150, 0, 0, 0, 0, 0, 0,
        ];
        Assert.Equal(expected, grid.Pixels);
    }

    [Fact]
    public void Compose_MismatchedSizesOrTooMany_Throw()
    {
        Assert.Throws<ArgumentException>(() => ImageGrid.Compose([Image.Create(2, 2, 3), Image.Create(3, 2, 3)], 1, 2));
        Assert.Throws<ArgumentException>(() => ImageGrid.Compose([Image.Create(2, 2, 3), Image.Create(2, 2, 1)], 1, 2));
        Assert.Throws<ArgumentException>(() => ImageGrid.Compose([Image.Create(1, 1, 3), Image.Create(1, 1, 3), Image.Create(1, 1, 3)], 1, 2));
    }
}
