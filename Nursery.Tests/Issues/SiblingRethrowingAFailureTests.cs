namespace Nursery.Tests.Issues;

/// <summary>
/// Found while writing the core suite: a child that awaits a failed sibling's Completion (and so rethrows the very
/// same exception object) makes the join report that one failure twice.
/// </summary>
/// <remarks>
/// The contract reads "exactly one failure: that same exception object", and every failure is to be reported once;
/// AggregateException(A, A) tells the user about two failures where one happened. RunAsync already leaves out a
/// child's failure that its body rethrew (Failures.BodyFirst compares by reference); TaskManager.RecordFailure does
/// not do the same for children. This is a reading of the contract (a careful user expects A, once); the suggested
/// fix is to skip recording an exception object that is already in the manager's failure list.
/// </remarks>
public class SiblingRethrowingAFailureTests
{
    [Fact]
    public void DisposeAsync_ChildRethrowsASiblingsFailureFromItsCompletion_ReportsThatFailureOnce() => Virtual.Run(async loop =>
    {
        var boom = new Boom("the one failure");
        var tm = new TaskManager(loop);
        var failing = tm.Spawn(() => Failing.AfterAsync(S(1), boom));
        var waiter = tm.Spawn(async () => { await failing.Completion; });

        var e = await Catch.ExceptionAsync(() => tm.DisposeAsync().AsTask());

        Assert.Same(boom, waiter.Exception); // the waiter did fail with it...
        Assert.Same(boom, e);                // ...but it is one failure (currently AggregateException(boom, boom))
    });
}
