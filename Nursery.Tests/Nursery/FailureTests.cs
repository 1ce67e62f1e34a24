namespace Nursery.Tests.Nursery;

/// <summary>One failure cancels the siblings, then is rethrown: exact exception shapes.</summary>
public class FailureTests
{
    [Fact]
    public void DisposeAsync_OneChildFails_CancelsSiblingsWaitsForThemThenRethrowsTheSameObject() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        var boom = new Boom("one");
        var tm = new TaskManager(loop);
        var running = tm.Spawn(async () =>
        {
            try { await EventLoop.Sleep(S(10)); }
            finally
            {
                // Clean-up that takes time (not a checkpoint): the join waits for it.
                await Task.Delay(S(2), loop.TimeProvider);
                log.Add("sibling cleaned up");
            }
        });
        var failing = tm.Spawn(() => Failing.AfterAsync(S(1), boom));

        var e = await Catch.ExceptionAsync(() => tm.DisposeAsync().AsTask());
        log.Add("join threw");

        Assert.Same(boom, e);
        Assert.Contains(nameof(Failing.AfterAsync), e!.StackTrace, StringComparison.Ordinal);
        Assert.Equal(["3s sibling cleaned up", "3s join threw"], log.Entries);
        Assert.Equal(ChildTaskStatus.Cancelled, running.Status);
        Assert.Equal(ChildTaskStatus.Faulted, failing.Status);
        Assert.Same(boom, failing.Exception);
    });

    [Fact]
    public void DisposeAsync_OneChildFails_StillScheduledSiblingsNeverRun() => Virtual.Run(async loop =>
    {
        var ran = false;
        var tm = new TaskManager(loop);
        var scheduled = tm.Schedule(async () => ran = true, S(5));
        tm.Spawn(() => Failing.AfterAsync(S(1), new Boom("x")));
        await Catch.ExactlyAsync<Boom>(() => tm.DisposeAsync().AsTask());
        Assert.False(ran);
        Assert.Equal(ChildTaskStatus.Cancelled, scheduled.Status);
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void DisposeAsync_TwoFailures_ThrowsAggregateExceptionInTheOrderTheyHappenedNotSpawnOrder() => Virtual.Run(async loop =>
    {
        var first = new Boom("happened first");
        var second = new Boom("happened second");
        var tm = new TaskManager(loop);
        tm.Spawn(async () =>
        {
            // Spawned first, fails last: it ignores the cancellation caused by its sibling's failure, then fails.
            try { await EventLoop.Sleep(S(2)); }
            catch (OperationCanceledException) { }
            throw second;
        });
        tm.Spawn(() => Failing.AfterAsync(S(1), first));

        var aggregate = await Catch.ExactlyAsync<AggregateException>(() => tm.DisposeAsync().AsTask());
        Assert.Equal(2, aggregate.InnerExceptions.Count);
        Assert.Same(first, aggregate.InnerExceptions[0]);
        Assert.Same(second, aggregate.InnerExceptions[1]);
    });

    [Fact]
    public void DisposeAsync_SiblingThrowsInFinallyWhileBeingCancelled_BothFailuresAreReportedInOrder() => Virtual.Run(async loop =>
    {
        var original = new Boom("original");
        var inFinally = new Boom("in finally");
        var tm = new TaskManager(loop);
        var sibling = tm.Spawn(async () =>
        {
            try { await EventLoop.Sleep(S(10)); }
            finally { throw inFinally; }
        });
        tm.Spawn(() => Failing.AfterAsync(S(1), original));

        var aggregate = await Catch.ExactlyAsync<AggregateException>(() => tm.DisposeAsync().AsTask());
        Assert.Equal([original, inFinally], aggregate.InnerExceptions);
        Assert.Equal(ChildTaskStatus.Faulted, sibling.Status);
        Assert.Same(inFinally, sibling.Exception);
    });

    [Fact]
    public void DisposeAsync_ThreeChildrenFailInOneTurn_AggregateKeepsTheirRunOrder() => Virtual.Run(async loop =>
    {
        // All three wake in the same timer phase, so each is past its checkpoint before the first failure cancels it.
        var booms = new[] { new Boom("a"), new Boom("b"), new Boom("c") };
        var tm = new TaskManager(loop);
        var ran = new List<Boom>();
        foreach (var boom in booms) tm.Spawn(async () => { await EventLoop.Sleep(S(1)); ran.Add(boom); throw boom; });
        var aggregate = await Catch.ExactlyAsync<AggregateException>(() => tm.DisposeAsync().AsTask());
        Assert.Equal(3, ran.Count);
        Assert.Equal(ran, aggregate.InnerExceptions); // spawn order in FIFO; the shuffled order under a seed
    });

    [Fact]
    public void DisposeAsync_ForeignOperationCanceledException_IsAFailureReportedAsTheSameObject() => Virtual.Run(async loop =>
    {
        OperationCanceledException? thrown = null;
        var tm = new TaskManager(loop);
        var sibling = tm.Spawn(() => EventLoop.Sleep(S(10)));
        var timedOut = tm.Spawn(async ct =>
        {
            using var timeout = new CancellationTokenSource(S(1), loop.TimeProvider); // the caller's timeout, not ours
            try { await EventLoop.Sleep(S(5), timeout.Token); }
            catch (OperationCanceledException e) { thrown = e; throw; }
        });

        var e = await Catch.ExceptionAsync(() => tm.DisposeAsync().AsTask());

        Assert.NotNull(thrown);
        Assert.Same(thrown, e);
        Assert.Equal(ChildTaskStatus.Faulted, timedOut.Status);
        Assert.Same(thrown, timedOut.Exception);
        Assert.Equal(ChildTaskStatus.Cancelled, sibling.Status); // a failure like any other: siblings are cancelled
    });

    [Fact]
    public void DisposeAsync_ChildThrowsATokenlessOperationCanceledExceptionUncancelled_IsAFailure() => Virtual.Run(async loop =>
    {
        var thrown = new OperationCanceledException("nobody cancelled me");
        var tm = new TaskManager(loop);
        var child = tm.Spawn(async () => { await EventLoop.Yield(); throw thrown; });
        Assert.Same(thrown, await Catch.ExceptionAsync(() => tm.DisposeAsync().AsTask()));
        Assert.Equal(ChildTaskStatus.Faulted, child.Status);
    });

    [Fact]
    public void DisposeAsync_CancelledChildIgnoresCancellationAndReturns_EndsCompletedWithItsResultKept() => Virtual.Run(async loop =>
    {
        var boom = new Boom("x");
        var tm = new TaskManager(loop);
        var stubborn = tm.Spawn(async () =>
        {
            try { await EventLoop.Sleep(S(10)); }
            catch (OperationCanceledException) { }
            return "finished anyway";
        });
        tm.Spawn(() => Failing.AfterAsync(S(1), boom));

        Assert.Same(boom, await Catch.ExceptionAsync(() => tm.DisposeAsync().AsTask()));
        Assert.Equal(ChildTaskStatus.Completed, stubborn.Status);
        Assert.Equal("finished anyway", tm.Values[stubborn]);
        Assert.Equal("finished anyway", stubborn.Result);
    });

    [Fact]
    public void DisposeAsync_CancelledChildThatNeverReachesACheckpoint_EndsCompleted() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async () =>
        {
            await Task.Delay(S(3), loop.TimeProvider); // not a checkpoint, and no token
            return 5;
        });
        await loop.RunCurrentAsync();
        child.Cancel();
        await tm.DisposeAsync();
        Assert.Equal(ChildTaskStatus.Completed, child.Status);
        Assert.Equal(5, tm.Values[child]);
        Assert.Equal(S(3), loop.Now);
    });

    [Fact]
    public void DisposeAsync_ChildFailsAfterAPlainCancel_ReportsThatFailure() => Virtual.Run(async loop =>
    {
        var boom = new Boom("cleanup failed");
        var tm = new TaskManager(loop);
        tm.Spawn(async () =>
        {
            try { await EventLoop.Sleep(S(10)); }
            catch (OperationCanceledException) { throw boom; }
        });
        await loop.RunCurrentAsync();
        tm.Cancel();
        Assert.Same(boom, await Catch.ExceptionAsync(() => tm.DisposeAsync().AsTask()));
    });

    [Fact]
    public void DisposeAsync_FailureInAChildSpawnedDuringTheJoin_IsRethrown() => Virtual.Run(async loop =>
    {
        var boom = new Boom("late");
        var tm = new TaskManager(loop);
        tm.Spawn(async () =>
        {
            await EventLoop.Sleep(S(1));
            tm.Spawn(() => Failing.AfterAsync(S(1), boom));
        });
        Assert.Same(boom, await Catch.ExceptionAsync(() => tm.DisposeAsync().AsTask()));
        Assert.Equal(S(2), loop.Now);
    });

    [Fact]
    public void Failure_WhileTheOwnerIsStillInItsUsingBlock_DoesNotInterruptTheOwner() => Virtual.Run(async loop =>
    {
        // The code around an 'await using' is not part of the group: it runs on and meets the failure at the join.
        var log = new EventLog(loop);
        var boom = new Boom("x");
        var e = await Catch.ExceptionAsync(async () =>
        {
            await using var tm = new TaskManager(loop);
            tm.Spawn(() => Failing.AfterAsync(S(1), boom));
            await EventLoop.Sleep(S(3));
            log.Add($"owner still running, manager cancelled: {tm.IsCancellationRequested}");
        });
        Assert.Same(boom, e);
        Assert.Equal(["3s owner still running, manager cancelled: True"], log.Entries);
    });

    [Fact]
    public void DisposeAsync_ChildThrowsAnAggregateException_RethrowsThatObjectUnwrapped() => Virtual.Run(async loop =>
    {
        var aggregate = new AggregateException(new Boom("inner 1"), new Boom("inner 2"));
        var tm = new TaskManager(loop);
        tm.Spawn(async () => { await EventLoop.Yield(); throw aggregate; });
        Assert.Same(aggregate, await Catch.ExceptionAsync(() => tm.DisposeAsync().AsTask()));
    });
}
