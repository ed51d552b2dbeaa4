namespace Diffusion.TextEncoder;

/// <summary>One prompt's encoding.</summary>
/// <param name="Hidden">[L, D] row-major; never mutated once cached.</param>
/// <param name="Pooled">[D].</param>
internal sealed record PromptEncoding(float[] Hidden, int SequenceLength, float[] Pooled, int TokenCount, bool Truncated);

/// <summary>The cache key: the encoding depends on the prompt text, clip_skip and the long-prompt mode.</summary>
internal readonly record struct PromptKey(string Prompt, int ClipSkip, bool Chunked);

/// <summary>A thread-safe least-recently-used map of prompt encodings with a fixed capacity.</summary>
internal sealed class PromptCache(int capacity)
{
    private readonly Dictionary<PromptKey, LinkedListNode<(PromptKey Key, PromptEncoding Value)>> _map = [];
    private readonly LinkedList<(PromptKey Key, PromptEncoding Value)> _order = []; // most recent first
    private readonly Lock _gate = new();

    public int Capacity => capacity;

    public int Count { get { lock (_gate) return _map.Count; } }

    public bool TryGet(PromptKey key, out PromptEncoding value)
    {
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                value = node.Value.Value;
                return true;
            }
        }
        value = null!;
        return false;
    }

    public void Add(PromptKey key, PromptEncoding value)
    {
        if (capacity == 0) return;
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var existing))
            {
                _order.Remove(existing);
                _map.Remove(key);
            }
            _map[key] = _order.AddFirst((key, value));
            while (_map.Count > capacity)
            {
                var last = _order.Last!;
                _order.RemoveLast();
                _map.Remove(last.Value.Key);
            }
        }
    }
}
