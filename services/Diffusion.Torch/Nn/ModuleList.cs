using System.Collections;
using System.Globalization;

namespace Diffusion.Torch.Nn;

/// <summary>torch.nn.ModuleList: children named "0", "1", ... so their keys read
/// "resnets.0.conv1.weight".</summary>
public sealed class ModuleList<T> : Module, IReadOnlyList<T> where T : Module
{
    private readonly List<T> _items = [];

    /// <summary>An empty list.</summary>
    public ModuleList() { }

    /// <summary>A list holding <paramref name="items"/> in order.</summary>
    public ModuleList(IEnumerable<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        foreach (var item in items) Add(item);
    }

    /// <summary>Appends <paramref name="item"/> under the next index; returns it.</summary>
    public T Add(T item)
    {
        RegisterModule(_items.Count.ToString(CultureInfo.InvariantCulture), item);
        _items.Add(item);
        return item;
    }

    /// <inheritdoc/>
    public T this[int index] => _items[index];

    /// <inheritdoc/>
    public int Count => _items.Count;

    /// <inheritdoc/>
    public IEnumerator<T> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
