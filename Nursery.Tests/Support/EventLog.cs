using System.Globalization;

namespace Nursery.Tests.Support;

/// <summary>
/// An event log stamped with loop time: tests append what happened and assert the exact list,
/// e.g. <c>["0s a:start", "1s a:fail", "1s b:cancelled"]</c>.
/// </summary>
public sealed class EventLog(EventLoop loop)
{
    private readonly List<string> _entries = [];

    public IReadOnlyList<string> Entries => _entries;

    // Invariant culture: "1.5s" must not become "1,5s" on a machine with another decimal separator.
    public void Add(string what) => _entries.Add(string.Create(CultureInfo.InvariantCulture, $"{loop.Now.TotalSeconds:0.###}s {what}"));

    public override string ToString() => string.Join(Environment.NewLine, _entries);
}
