namespace Nursery;

// Results as they arrive: WhenEach yields children in the order they end. The manager feeds every enumeration that is
// under way with each child that ends; see WhenEachEnumerator for the ordering rules.
public sealed partial class TaskManager
{
    /// <summary>How many children were ever listed in <see cref="Children"/> (swept ones included). Loop thread only.</summary>
    private long _listedTotal;

    /// <summary>How many of those have ended. Loop thread only.</summary>
    private long _endedListedTotal;

    /// <summary>The WhenEach enumerations under way. Loop thread only.</summary>
    private List<WhenEachEnumerator>? _whenEach;

    /// <summary>
    /// The children as they end: those that ended before the call first (in the order they ended), then each one as it
    /// ends, in completion order; children that end at the same loop time come in spawn order. Children spawned while
    /// enumerating are included. The enumeration completes once every child spawned so far has ended, apart from the
    /// child (if any) whose code, at any depth, is enumerating, so it can be consumed inside the manager's own block
    /// or a RunAsync body. Leaving the loop early cancels nothing.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Each yielded <see cref="ChildTask"/> has ended: read its <see cref="ChildTask.Status"/>, its
    /// <see cref="ChildTask{T}.Result"/> or its <see cref="ChildTask.Exception"/>. A failed child is yielded like any
    /// other; its failure is still rethrown by the join (and listed in <see cref="Failures"/>).
    /// </para>
    /// <para>
    /// Waiting for the next child is a cancellation checkpoint for the enumerating code, like
    /// <see cref="EventLoop.Sleep(TimeSpan)"/>; the token given to <c>WithCancellation</c> ends it too. The enumeration
    /// starts when WhenEach is called: with <see cref="TaskManagerOptions.RetainEndedChildren"/> set to false, call it
    /// before the children end.
    /// </para>
    /// </remarks>
    /// <returns>An asynchronous sequence of the ended children.</returns>
    /// <exception cref="InvalidOperationException">Called from a thread other than the loop's.</exception>
#pragma warning disable VSTHRD200 // The contract's name, after Task.WhenEach: it is enumerated, not awaited.
    public IAsyncEnumerable<ChildTask> WhenEach()
#pragma warning restore VSTHRD200
    {
        ThrowIfNotOnLoop();
        return new WhenEachEnumerable(this, new WhenEachEnumerator(this, CancellationToken.None));
    }

    /// <summary>Whether every listed child has ended, apart from <paramref name="container"/> (the enumerating code's child, if any).</summary>
    internal bool AllEndedExcept(ChildTask? container) =>
        _listedTotal - _endedListedTotal - (container is { IsEnded: false } ? 1 : 0) == 0;

    /// <summary>Starts feeding an enumeration with ended children.</summary>
    internal void AddWhenEach(WhenEachEnumerator enumerator) => (_whenEach ??= []).Add(enumerator);

    /// <summary>Stops feeding an enumeration.</summary>
    internal void RemoveWhenEach(WhenEachEnumerator enumerator) => _whenEach?.Remove(enumerator);

    /// <summary>A listed child has ended: count it and hand it to every enumeration under way.</summary>
    private void OnListedChildEnded(ChildTask child)
    {
        _endedListedTotal++;
        if (_whenEach is not { Count: > 0 } enumerations) return;
        foreach (var enumeration in enumerations) enumeration.OnChildEnded(child);
    }

    /// <summary>
    /// What <see cref="WhenEach"/> returns: the enumeration made at the call (so it sees what ended from then on), and
    /// a fresh one for each further <c>await foreach</c> over the same value.
    /// </summary>
    private sealed class WhenEachEnumerable(TaskManager manager, WhenEachEnumerator first) : IAsyncEnumerable<ChildTask>
    {
        private WhenEachEnumerator? _first = first;

        public IAsyncEnumerator<ChildTask> GetAsyncEnumerator(CancellationToken cancellationToken = default)
        {
            manager.ThrowIfNotOnLoop();
            var enumerator = _first;
            _first = null;
            if (enumerator is null) return new WhenEachEnumerator(manager, cancellationToken);
            enumerator.Token = cancellationToken;
            return enumerator;
        }
    }
}
