using Diffusion.Schedulers;

namespace Diffusion.Schedulers.Tests.Golden;

/// <summary>An <see cref="INoiseSource"/> that replays recorded draws in order and counts them.</summary>
internal sealed class RecordedNoise(IReadOnlyList<float[]> draws) : INoiseSource
{
    private int _next;

    public int Count => _next;

    public List<long[]> Shapes { get; } = [];

    public void Randn(Span<float> destination, ReadOnlySpan<long> shape)
    {
        if (_next >= draws.Count)
            throw new Xunit.Sdk.XunitException($"scheduler drew noise #{_next} but only {draws.Count} were recorded");
        var draw = draws[_next++];
        if (draw.Length != destination.Length)
            throw new Xunit.Sdk.XunitException($"noise draw of {destination.Length} values, recorded {draw.Length}");
        Shapes.Add(shape.ToArray());
        draw.CopyTo(destination);
    }
}
