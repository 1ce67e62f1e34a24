namespace Nursery;

// Managers whose owner ended without joining them. Every manager must be joined (await using, DisposeAsync,
// RunAsync); when code ends with one still open, nothing it holds may be lost or left running: the open manager is
// cancelled, the nearest manager around the code that opened it joins it in its place (its children's failures become
// that manager's failures), and the code that opened it fails with an InvalidOperationException that says so.
public sealed partial class TaskManager
{
    /// <summary>While adopted: the manager that joins this one in place of its owner. Loop thread only.</summary>
    private TaskManager? _adopter;

    /// <summary>Managers this one has adopted and not finished joining. Loop thread only.</summary>
    private List<TaskManager>? _adopted;

    /// <summary>Adopted managers this one is joining on behalf of their owners (for dumps).</summary>
    internal IReadOnlyList<TaskManager>? Adopted => _adopted;

    /// <summary>
    /// <paramref name="node"/>'s code has ended: cancels every manager it opened and left open, has the nearest
    /// manager around it join them, and returns the error the code fails with (null when nothing was left open).
    /// Managers left open at the top of the loop stay there and are abandoned when Run ends.
    /// </summary>
    /// <param name="node">The code that ended.</param>
    /// <param name="describe">
    /// How to name that code in the message ("child #4", "the RunAsync body of TaskManager #2"), from
    /// <paramref name="state"/>: called only when something was left open, so a child that ends cleanly builds no string.
    /// </param>
    /// <param name="state">What <paramref name="describe"/> names.</param>
    internal static InvalidOperationException? OrphanOpenManagers<TState>(LoopSynchronizationContext node, Func<TState, string> describe, TState state)
    {
        if (node.Nested is not { Count: > 0 } nested || node.IsAbandoned) return null;
        List<TaskManager>? open = null;
        for (var i = 0; i < nested.Count; i++)
        {
            if (nested[i] is TaskManager { _state: not State.Closed } manager) (open ??= []).Add(manager);
        }
        if (open is null) return null;
        var adopter = EnclosingManager(node);
        foreach (var manager in open) manager.Orphan(node, adopter);
        var owner = describe(state);
        var names = string.Join(", ", open.Select(m => m.Subject));
        var joinedBy = adopter is null ? "the loop abandons them when Run returns" : $"{adopter.Subject} joins them instead";
        return new InvalidOperationException(
            $"{char.ToUpperInvariant(owner[0])}{owner[1..]} ended without joining {names}, which it opened. Every TaskManager must be " +
            "joined before the code that opens it ends: use 'await using', call DisposeAsync, or use TaskManager.RunAsync. " +
            $"Its children were cancelled, and {joinedBy}.");
    }

    /// <summary>This manager's owner ended without joining it: cancel it and let <paramref name="adopter"/> join it.</summary>
    private void Orphan(LoopSynchronizationContext owner, TaskManager? adopter)
    {
        owner.RemoveNested(this);
        if (adopter is null)
        {
            // At the top of the loop there is no manager to join it: the root keeps it, and Run's end abandons it.
            _parent = _loop.RootContext;
            _parent.AddNested(this);
        }
        else
        {
            _adopter = adopter;
            _state = State.Joining;
            adopter._live++;
            (adopter._adopted ??= []).Add(this);
        }
        CancelTree.Cancel(this, CancelCause.OwnerEnded(_loop, Subject));
        if (adopter is not null) SignalIfAllEnded();
    }

    /// <summary>An adopted manager's last child has ended: close it and hand its failures to the adopter.</summary>
    private void FinishOrphan()
    {
        var adopter = _adopter!;
        _adopter = null;
        Close();
        adopter._adopted!.Remove(this);
        if (_failures is { } failures)
        {
            // Its failures are the adopter's now: nothing is lost. Child failures keep their child and primacy, looked
            // up by the exception object (one pass, not a search per failure: a tree may fail thousands of times).
            Dictionary<Exception, ChildFailure>? records = null;
            if (_childFailures is { } childFailures)
            {
                records = new Dictionary<Exception, ChildFailure>(childFailures.Count, ReferenceEqualityComparer.Instance);
                foreach (var f in childFailures) records.TryAdd(f.Exception, f); // the first record of an object, as a search would find
            }
            foreach (var failure in failures)
            {
                ChildFailure? record = null;
                records?.TryGetValue(failure, out record);
                adopter.RecordFailure(failure, record?.Child, record?.Primary ?? false);
            }
        }
        adopter._live--;
        adopter.SignalIfAllEnded();
    }
}
