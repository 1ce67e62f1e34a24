using System.Runtime.ExceptionServices;

namespace Nursery;

public sealed partial class TaskManager
{
    /// <summary>Completes the joiners' task on its turn.</summary>
    private static readonly SendOrPostCallback s_wakeJoiners = static state => ((TaskCompletionSource)state!).TrySetResult();

    /// <summary>
    /// Joins the manager: waits until every child has ended (including children spawned while waiting), then closes it
    /// and reports failures. One failure is rethrown as the same exception object with its stack trace; several as an
    /// <see cref="AggregateException"/> in the order they happened. A cancellation alone (from <see cref="Cancel"/>, a
    /// deadline or an enclosing scope) is not an error: the join then returns normally, unless the manager's outside
    /// token fired (then <see cref="OperationCanceledException"/> carrying it). Later calls do nothing more.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// Called from a thread other than the loop's, or from inside one of this manager's children (the manager would wait
    /// for the child that waits for it).
    /// </exception>
    public ValueTask DisposeAsync()
    {
        ThrowIfNotOnLoop();
        if (_state == State.Closed) return default;
        ThrowIfJoinedFromInside();
        if (_state == State.Joining)
        {
            // A second call while the first is still joining waits too, but the failures are the first caller's to report.
            return new ValueTask(WaitForChildrenAsync());
        }
        _state = State.Joining;
        if (_live > 0) return new ValueTask(JoinAndCloseAsync());
        return CloseAndReport() is { } failure ? ValueTask.FromException(failure) : default;
    }

    /// <summary>Completes once no child is live. Spawning while waiting extends the wait. Loop thread only.</summary>
    internal async Task WaitForChildrenAsync()
    {
        while (_live > 0) await (_allEnded ??= new TaskCompletionSource()).Task;
    }

    private async Task JoinAndCloseAsync()
    {
        await WaitForChildrenAsync();
        if (CloseAndReport() is { } failure) ExceptionDispatchInfo.Throw(failure);
    }

    /// <summary>
    /// Closes the manager and says what its join throws: the failures, else the cancellation by the outside token,
    /// else nothing. The exception is noted on the code the manager is nested in: that code is often cancelled by then
    /// (a sibling of it failed meanwhile), and an <see cref="OperationCanceledException"/> reported from here (a caller's
    /// timeout inside) must still fail it rather than pass for its own cancellation.
    /// </summary>
    private Exception? CloseAndReport(Exception? bodyFailure = null)
    {
        Close();
        var failures = TaskOutcomes.BodyFirst(bodyFailure, _failures);
        Exception? failure = null;
        if (failures is { Count: > 0 })
        {
            failure = TaskOutcomes.Combine(failures);
        }
        else if (_outsideToken.IsCancellationRequested)
        {
            failure = new OperationCanceledException(
                $"{Subject} was cancelled because the CancellationToken passed to it was cancelled.", _outsideToken);
        }
        else
        {
            _cancelledCaught = _ownCause is not null;
            // Cancelled by the code around it, with work cut short: the join returns normally, but a cancel scope around
            // it must know (FailAfter, MoveOnAfter).
            if (_ownCause is null && _cancelCause is not null && _cutShort) _parent.NoteCutShort();
            return null;
        }
        _parent.NoteReportedFailure(failure);
        return failure;
    }

    /// <summary>
    /// A child of this manager (or code nested in one, at any depth) awaiting the join would wait for itself: the join
    /// waits for that child. Refuse it, as the other self-deadlocks are refused. A RunAsync body may join its own manager:
    /// the body is not one of the children the join waits for.
    /// </summary>
    private void ThrowIfJoinedFromInside()
    {
        var current = LoopSynchronizationContext.CurrentOn(_loop);
        if (current is null || current == _parent) return;
        for (ICancelNode? node = current; node is not null; node = node.Parent)
        {
            if (node == this) return; // reached the manager through its RunAsync body: not one of its children
            if (node is ChildContext { Owner: var child } && child.Manager == this && child != _bodyScope && !child.IsEnded)
            {
                throw new InvalidOperationException(
                    $"Child {child.Label} of {Subject} (or code nested inside it) is waiting for its own manager to finish joining, " +
                    "but the join waits for that child to end: a deadlock. Let the child return instead; the code that opened the " +
                    "manager joins it (the end of its 'await using' block, or TaskManager.RunAsync).");
            }
        }
    }

    /// <inheritdoc />
    void ICancelNode.Abandon(CancelWalk walk)
    {
        if (_state == State.Closed) return;
        if (_bodyScope is { } body) walk.Push(body.Context);
        for (var i = _children.Count - 1; i >= 0; i--) walk.Push(_children[i].Context);
        if (_adopted is { } adopted) foreach (var orphan in adopted) walk.Push(orphan);
        _adopter = null;
        Close();
    }

    /// <summary>No more children from now on; the code around it no longer needs to reach this manager.</summary>
    private void Close()
    {
        if (_state == State.Closed) return;
        _state = State.Closed;
        _parent.RemoveNested(this);
        _scope?.Disarm(_loop);
        ReleaseOutsideToken();
        OnClosed();
    }

    /// <summary>
    /// Wakes the joiners once the last live child has ended: on a later turn, from the top of the loop, because the
    /// last child may end inside a Cancel() call whose caller must not see the joiner resume in the middle of it.
    /// An adopted manager hands its outcome to its adopter instead (see <see cref="OrphanOpenManagers"/>).
    /// </summary>
    private void SignalIfAllEnded()
    {
        if (_live != 0) return;
        if (_adopter is not null)
        {
            FinishOrphan();
            return;
        }
        if (_allEnded is { } allEnded)
        {
            _allEnded = null;
            _loop.Enqueue(new WorkItem(s_wakeJoiners, allEnded, _loop.RootContext));
        }
    }
}
