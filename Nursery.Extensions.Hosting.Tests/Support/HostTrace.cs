using Microsoft.Extensions.Logging;

namespace Nursery.Extensions.Hosting.Tests.Support;

/// <summary>
/// One ordered, thread-safe record of what happened in a host test: the lines the test services write and every log
/// entry the host writes (as a logger provider), so a test can assert the order across both and wait for a line.
/// </summary>
public sealed class HostTrace : ILoggerProvider
{
    /// <summary>Guards <see cref="_lines"/>, <see cref="_entries"/> and <see cref="_waiters"/>.</summary>
    private readonly Lock _gate = new();

    /// <summary>Every line, log entries as "[Category/EventName] message".</summary>
    private readonly List<string> _lines = [];

    /// <summary>Every log entry.</summary>
    private readonly List<LogEntry> _entries = [];

    /// <summary>Waiters for a line that has not come yet.</summary>
    private readonly List<(Func<string, bool> Match, TaskCompletionSource Seen)> _waiters = [];

    /// <summary>A snapshot of the lines so far.</summary>
    public IReadOnlyList<string> Lines { get { lock (_gate) return [.. _lines]; } }

    /// <summary>A snapshot of the log entries so far.</summary>
    public IReadOnlyList<LogEntry> Entries { get { lock (_gate) return [.. _entries]; } }

    /// <summary>Appends a line of the test's own.</summary>
    public void Add(string line)
    {
        List<TaskCompletionSource> seen = [];
        lock (_gate)
        {
            _lines.Add(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (!_waiters[i].Match(line)) continue;
                seen.Add(_waiters[i].Seen);
                _waiters.RemoveAt(i);
            }
        }
        foreach (var s in seen) s.TrySetResult();
    }

    /// <summary>Waits (guarded) until a line containing <paramref name="text"/> has been added.</summary>
    public Task WaitForAsync(string text)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_lines.Any(l => l.Contains(text, StringComparison.Ordinal))) return Task.CompletedTask;
            _waiters.Add((l => l.Contains(text, StringComparison.Ordinal), seen));
        }
        return seen.Task.GuardAsync($"a line containing \"{text}\"; so far:{Environment.NewLine}{string.Join(Environment.NewLine, Lines)}");
    }

    /// <summary>The entries of one event (by its name).</summary>
    public IReadOnlyList<LogEntry> Events(string eventName) => [.. Entries.Where(e => e.EventId.Name == eventName)];

    /// <summary>The index of the first line containing <paramref name="text"/>; fails the test when there is none.</summary>
    public int IndexOf(string text)
    {
        var lines = Lines;
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Contains(text, StringComparison.Ordinal)) return i;
        }
        Assert.Fail($"No line contains \"{text}\"; the lines:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}");
        return -1;
    }

    ILogger ILoggerProvider.CreateLogger(string categoryName) => new Logger(this, categoryName);

    void IDisposable.Dispose()
    {
    }

    private void Log(LogEntry entry)
    {
        lock (_gate) _entries.Add(entry);
        Add($"[{entry.Category}/{entry.EventId.Name}] {entry.Message}");
    }

    /// <summary>One log entry as written.</summary>
    public sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception);

    private sealed class Logger(HostTrace trace, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            trace.Log(new LogEntry(category, logLevel, eventId, formatter(state, exception), exception));
    }
}
