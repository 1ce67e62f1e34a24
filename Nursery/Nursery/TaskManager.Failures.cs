using System.Collections.ObjectModel;

namespace Nursery;

// Failures: recorded once each, in the order they happened; the first one cancels the siblings.
public sealed partial class TaskManager
{
    /// <summary>Failures in the order they happened (child failures and exceptions from cancellation callbacks). Loop thread only.</summary>
    private List<Exception>? _failures;

    /// <summary>The same failures as a set, so recording stays O(1) however many children fail. Loop thread only.</summary>
    private HashSet<Exception>? _failureSet;

    /// <summary>The child failures, for <see cref="Failures"/>. Loop thread only.</summary>
    private List<ChildFailure>? _childFailures;

    /// <summary>
    /// Every child failure, in the order it happened, with its child, loop time and whether it is primary (see
    /// <see cref="ChildFailure.Primary"/>). The join still rethrows exactly as documented; this is the structured view
    /// beside it. A <see cref="RunAsync(Func{TaskManager, Task})"/> body's own failure is not listed (it has no child).
    /// </summary>
    /// <exception cref="InvalidOperationException">Read from another thread while the loop is running.</exception>
    public IReadOnlyList<ChildFailure> Failures
    {
        get
        {
            ThrowIfNotReadable();
            return _childFailures is null ? [] : new ReadOnlyCollection<ChildFailure>(_childFailures);
        }
    }

    /// <summary>
    /// Records a failure (once: the same exception object can end two children when one awaits the other's Completion
    /// and rethrows it) and, under <see cref="FailurePolicy.CancelSiblings"/>, cancels the siblings. A supervisor
    /// (<see cref="FailurePolicy.CollectAll"/>) only records it: the join reports it once every child has ended.
    /// </summary>
    internal void RecordFailure(Exception failure, ChildTask? child, bool primary)
    {
        if (!(_failureSet ??= new HashSet<Exception>(ReferenceEqualityComparer.Instance)).Add(failure)) return;
        (_failures ??= []).Add(failure);
        if (child is not null) (_childFailures ??= []).Add(new ChildFailure(child, failure, _loop.Now, primary));
        if (!IsCancellationRequested && Options.FailurePolicy == FailurePolicy.CancelSiblings)
            CancelTree.Cancel(this, CancelCause.SiblingFailed(_loop, child, failure));
    }

    /// <summary>A failure is primary unless the child's cancellation reached it in an earlier turn of the loop.</summary>
    internal bool IsPrimary(ChildTask child) =>
        child.Context.Cause is not { } cause || cause.Turn == _loop.TurnNumber;
}
