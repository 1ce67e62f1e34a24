using System.Runtime.ExceptionServices;

namespace Nursery;

public sealed partial class TaskManager
{
    /// <summary>
    /// Joins the manager: waits until every child has ended (including children spawned while waiting), then
    /// closes it and reports failures. One failure is rethrown as the same exception object with its stack trace;
    /// several as an <see cref="AggregateException"/> in the order they happened. A cancellation alone (from
    /// <see cref="Cancel"/> or an enclosing scope) is not an error: the join then returns normally.
    /// Later calls do nothing more.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called from a thread other than the loop's.</exception>
    public ValueTask DisposeAsync()
    {
        ThrowIfNotOnLoop();
        switch (_state)
        {
            case State.Closed:
                return default;
            case State.Joining:
                // A second call while the first is still joining waits too, but the failures are the first caller's to report.
                return new ValueTask(WaitForChildrenAsync());
        }
        _state = State.Joining;
        if (_live > 0) return new ValueTask(JoinAndCloseAsync());
        Close();
        return Report(_failures) is { } failure ? ValueTask.FromException(failure) : default;
    }

    /// <summary>Completes once no child is live. Spawning while waiting extends the wait. Loop thread only.</summary>
    internal async Task WaitForChildrenAsync()
    {
        while (_live > 0) await (_allEnded ??= new TaskCompletionSource()).Task;
    }

    private async Task JoinAndCloseAsync()
    {
        await WaitForChildrenAsync();
        Close();
        if (Report(_failures) is { } failure) ExceptionDispatchInfo.Throw(failure);
    }

    /// <summary>
    /// The exception a join throws for <paramref name="failures"/> (null when there are none), noted on the child
    /// this manager is nested in. That child is often cancelled by then (a sibling of it failed meanwhile), and an
    /// <see cref="OperationCanceledException"/> reported from here (a caller's timeout inside) must still fail it
    /// rather than pass for the child's own cancellation.
    /// </summary>
    private Exception? Report(IReadOnlyList<Exception>? failures)
    {
        if (failures is not { Count: > 0 }) return null;
        var failure = Failures.Combine(failures);
        _owner?.NoteReportedFailure(failure);
        return failure;
    }

    /// <summary>
    /// The loop's Run ended while this manager was still open (it was never joined): every live child below it ends
    /// Cancelled without running more code, and the manager closes. See <see cref="ChildTask.Abandon"/>.
    /// </summary>
    internal void Abandon()
    {
        foreach (var child in _children.ToArray()) child.Abandon();
        if (_bodyScope is { IsEnded: false } body)
        {
            foreach (var manager in body.NestedManagers?.ToArray() ?? []) manager.Abandon();
            body.EndBodyScope(ChildTaskStatus.Cancelled, null);
        }
        Close();
    }

    /// <summary>No more children from now on; the owner no longer needs to reach this manager.</summary>
    private void Close()
    {
        if (_state == State.Closed) return;
        _state = State.Closed;
        _owner?.RemoveNestedManager(this);
        OnClosed();
    }

    /// <summary>
    /// Wakes the joiners once the last live child has ended: on a later turn, from the top of the loop, because the
    /// last child may end inside a Cancel() call whose caller must not see the joiner resume in the middle of it.
    /// </summary>
    private void SignalIfAllEnded()
    {
        if (_live == 0 && _allEnded is { } allEnded)
        {
            _allEnded = null;
            _loop.Enqueue(new WorkItem(s_wakeJoiners, allEnded, _loop.RootContext));
        }
    }

    /// <summary>Completes the joiners' task on its turn.</summary>
    private static readonly SendOrPostCallback s_wakeJoiners = static state => ((TaskCompletionSource)state!).TrySetResult();
}
