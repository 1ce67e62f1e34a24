using System.Collections.Concurrent;

namespace Nursery.Tests.Concurrency;

/// <summary>
/// What each operation of one sample saw, keyed by the operation (its name and drawn number), for comparing a
/// parallel run with a sequential model. Thread-safe.
/// </summary>
public sealed class Observations
{
    private readonly ConcurrentQueue<(string Operation, string Outcome)> _seen = new();

    public void Add(string operation, string outcome) => _seen.Enqueue((operation, outcome));

    /// <summary>
    /// Whether this parallel run matches <paramref name="model"/>'s sequential one: the same operations with the same
    /// outcomes, where <paramref name="alsoAllowed"/> may accept an actual outcome the model did not predict (a
    /// work item cancelled by a stop that overlapped it, where the sequential model says it ran).
    /// </summary>
    public bool Matches(Observations model, Func<string, string, bool>? alsoAllowed = null)
    {
        var actual = _seen.OrderBy(o => o.Operation, StringComparer.Ordinal).ThenBy(o => o.Outcome, StringComparer.Ordinal).ToArray();
        var expected = model._seen.OrderBy(o => o.Operation, StringComparer.Ordinal).ThenBy(o => o.Outcome, StringComparer.Ordinal).ToArray();
        if (actual.Length != expected.Length) return false;
        for (var i = 0; i < actual.Length; i++)
        {
            if (actual[i].Operation != expected[i].Operation) return false;
            if (actual[i].Outcome == expected[i].Outcome) continue;
            if (alsoAllowed is null || !alsoAllowed(actual[i].Outcome, expected[i].Outcome)) return false;
        }
        return true;
    }

    public override string ToString() =>
        string.Join("; ", _seen.OrderBy(o => o.Operation, StringComparer.Ordinal).Select(o => $"{o.Operation}: {o.Outcome}"));
}
