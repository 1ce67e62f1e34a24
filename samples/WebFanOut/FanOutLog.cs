namespace WebFanOut;

/// <summary>
/// What the fan-outs did, per request, printed as it happens and kept so the self-test can check it. Written on the
/// loop thread, read by the self-test on others: one lock.
/// </summary>
public sealed class FanOutLog
{
    /// <summary>Guards <see cref="_lines"/> and <see cref="_waiters"/>.</summary>
    private readonly Lock _gate = new();

    /// <summary>The lines of each request, in order.</summary>
    private readonly Dictionary<string, List<string>> _lines = [];

    /// <summary>Waiters for a condition on one request's lines.</summary>
    private readonly List<(string Request, Func<IReadOnlyList<string>, bool> Condition, TaskCompletionSource Met)> _waiters = [];

    /// <summary>Records (and prints) one line of <paramref name="request"/>.</summary>
    public void Add(string request, string line)
    {
        Console.WriteLine($"  [{request}] {line}");
        List<TaskCompletionSource> met = [];
        lock (_gate)
        {
            if (!_lines.TryGetValue(request, out var lines)) _lines[request] = lines = [];
            lines.Add(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Request != request || !_waiters[i].Condition(lines)) continue;
                met.Add(_waiters[i].Met);
                _waiters.RemoveAt(i);
            }
        }
        foreach (var m in met) m.TrySetResult();
    }

    /// <summary>The lines of <paramref name="request"/> so far.</summary>
    public IReadOnlyList<string> Lines(string request)
    {
        lock (_gate) return _lines.TryGetValue(request, out var lines) ? [.. lines] : [];
    }

    /// <summary>A task that ends once the lines of <paramref name="request"/> meet <paramref name="condition"/>.</summary>
    public Task WhenAsync(string request, Func<IReadOnlyList<string>, bool> condition)
    {
        var met = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (condition(_lines.TryGetValue(request, out var lines) ? lines : [])) return Task.CompletedTask;
            _waiters.Add((request, condition, met));
        }
        return met.Task;
    }
}
