using System.Globalization;
using System.Text;

namespace Diffusion.Testing.Otlp.Internal;

/// <summary>
/// A thread-safe append-only list of received items that a test can wait on. Each append
/// completes the current change signal and installs a fresh one, so a waiter re-checks its
/// predicate exactly when something new has arrived.
/// </summary>
internal sealed class ItemStore<T>(string itemName)
    where T : class
{
    private const int MaxItemsInTimeoutMessage = 40;

    private readonly Lock _gate = new();
    private readonly List<T> _items = [];
    private TaskCompletionSource _changed = NewSignal();

    public IReadOnlyList<T> Snapshot()
    {
        lock (_gate)
        {
            return _items.ToArray();
        }
    }

    public void AddRange(IEnumerable<T> items)
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            _items.AddRange(items);
            signal = _changed;
            _changed = NewSignal();
        }

        signal.TrySetResult();
    }

    public void Clear()
    {
        lock (_gate)
        {
            _items.Clear();
        }
    }

    public async Task<IReadOnlyList<T>> WaitAsync(
        Func<T, bool> predicate,
        int count,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        ArgumentOutOfRangeException.ThrowIfNegative(count);

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        while (true)
        {
            T[] snapshot;
            Task changed;
            lock (_gate)
            {
                snapshot = _items.ToArray();
                changed = _changed.Task;
            }

            // The predicate is the caller's code: run it outside the lock.
            var matches = snapshot.Where(predicate).ToArray();
            if (matches.Length >= count)
            {
                return matches;
            }

            try
            {
                await changed.WaitAsync(timeoutSource.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException(DescribeTimeout(timeout, count, matches.Length, Snapshot()));
            }
        }
    }

    private string DescribeTimeout(TimeSpan timeout, int wanted, int matched, IReadOnlyList<T> received)
    {
        var message = new StringBuilder();
        message.Append(CultureInfo.InvariantCulture,
            $"Waited {timeout.TotalSeconds:0.###} s for {wanted} {itemName}(s) matching the predicate; {matched} matched. ");
        message.Append(CultureInfo.InvariantCulture, $"Received {received.Count} {itemName}(s) in all");
        if (received.Count == 0)
        {
            return message.Append('.').ToString();
        }

        message.Append(':');
        foreach (var item in received.Take(MaxItemsInTimeoutMessage))
        {
            message.AppendLine().Append("  ").Append(item);
        }

        if (received.Count > MaxItemsInTimeoutMessage)
        {
            message.AppendLine().Append(CultureInfo.InvariantCulture, $"  ... and {received.Count - MaxItemsInTimeoutMessage} more");
        }

        return message.ToString();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
