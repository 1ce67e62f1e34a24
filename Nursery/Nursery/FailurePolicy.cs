namespace Nursery;

/// <summary>What a <see cref="TaskManager"/> does when one of its children fails.</summary>
public enum FailurePolicy
{
    /// <summary>
    /// The default (a nursery): the first failure cancels every other child and the <see cref="TaskManager.RunAsync(Func{TaskManager, Task})"/>
    /// body; the join then rethrows it (with any failures that followed).
    /// </summary>
    CancelSiblings,

    /// <summary>
    /// A supervisor: a failing child does not cancel its siblings (nor a <see cref="TaskManager.RunAsync(Func{TaskManager, Task})"/> body).
    /// The join waits for every child and then throws as usual: one failure as itself, several as an
    /// <see cref="AggregateException"/> in the order they happened. <see cref="TaskManager.Cancel"/>, a deadline, an
    /// outside token or a failing body still cancel everything.
    /// </summary>
    CollectAll,
}
