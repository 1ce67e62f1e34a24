namespace Nursery.Tests.Scopes;

/// <summary>
/// A scope around a nursery. The join of a manager cancelled by the code around it returns normally (section 2.8), so
/// a scope body that ends right after the join ends "normally" although the scope's cancellation cut the nursery short.
/// The scope must still know: MoveOnAfter returns false, FailAfter throws TimeoutException, and a cancellation from
/// outside the scope passes through it instead of letting the code after it run as if the work had finished.
/// (Found by these tests: before the fix MoveOnAfter returned true and FailAfter returned normally.)
/// </summary>
public class ScopesAroundNurseriesTests
{
    [Fact]
    public void MoveOnAfter_around_a_nursery_it_cut_short_returns_false_although_the_join_returned_normally() => Virtual.Run(async loop =>
    {
        ChildTask slow = null!;
        var finished = await CancelScope.MoveOnAfter(S(1), async _ =>
        {
            await using var tm = new TaskManager(loop);
            tm.Spawn(() => EventLoop.Sleep(Ms(500)));
            slow = tm.Spawn(() => EventLoop.Sleep(S(5)));
        });
        Assert.False(finished);
        Assert.Equal(ChildTaskStatus.Cancelled, slow.Status);
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void MoveOnAfter_around_a_nursery_that_finishes_in_time_returns_true() => Virtual.Run(async loop =>
    {
        var finished = await CancelScope.MoveOnAfter(S(1), async _ =>
        {
            await using var tm = new TaskManager(loop);
            tm.Spawn(() => EventLoop.Sleep(Ms(500)));
        });
        Assert.True(finished);
    });

    [Fact]
    public void FailAfter_around_TaskManager_RunAsync_throws_TimeoutException_when_its_deadline_cut_the_nursery_short() => Virtual.Run(async loop =>
    {
        var e = await Catch.ExactlyAsync<TimeoutException>(() => CancelScope.FailAfter(S(2), _ => TaskManager.RunAsync(async tm =>
        {
            tm.Spawn(() => EventLoop.Sleep(S(10)));
            await EventLoop.Sleep(S(10));
        })));
        Assert.Contains("deadline 00:00:02 passed", e.Message);
        Assert.IsAssignableFrom<OperationCanceledException>(e.InnerException);
        Assert.Equal(S(2), loop.Now);
    });

    [Fact]
    public void FailAfter_zero_around_a_nursery_whose_children_never_started_throws_TimeoutException() => Virtual.Run(async loop =>
    {
        var ran = false;
        await Catch.ExactlyAsync<TimeoutException>(() => CancelScope.FailAfter(TimeSpan.Zero, async _ =>
        {
            await using var tm = new TaskManager(loop);
            tm.Spawn(async () => ran = true);
        }));
        Assert.False(ran);
    });

    [Fact]
    public void A_cancelled_scope_around_a_nursery_with_grandchildren_cut_short_knows_it() => Virtual.Run(async loop =>
    {
        var finished = await CancelScope.MoveOnAfter(S(1), async _ =>
        {
            await using var tm = new TaskManager(loop);
            tm.Spawn(async () =>
            {
                await using var nested = new TaskManager(loop);
                nested.Spawn(() => EventLoop.Sleep(S(5)));
            });
        });
        Assert.False(finished);
    });

    [Fact]
    public void An_outer_cancellation_that_cut_a_nursery_short_passes_through_an_inner_scope_and_the_code_after_it_does_not_run() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        var outerFinished = await CancelScope.MoveOnAfter(S(1), async _ =>
        {
            var innerFinished = await CancelScope.MoveOnAfter(S(5), async _ =>
            {
                await using var tm = new TaskManager(loop);
                tm.Spawn(() => EventLoop.Sleep(S(3)));
            });
            log.Add($"not reached (inner finished: {innerFinished})");
        });
        Assert.False(outerFinished);
        Assert.Empty(log.Entries);
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void A_scope_cancelled_around_a_nursery_that_was_already_empty_is_not_cut_short() => Virtual.Run(async loop =>
    {
        var scope = new CancelScope();
        await scope.RunAsync(async _ =>
        {
            await using var tm = new TaskManager(loop);
            tm.Spawn(() => EventLoop.Sleep(S(1)));
            await CancelScope.Shielded(_ => EventLoop.Sleep(S(2))); // the child has ended by now
            scope.Cancel();
        });
        Assert.False(scope.CancelledCaught);
    });

    [Fact]
    public void A_nursery_cancelled_by_its_own_Cancel_inside_a_scope_is_not_the_scopes_cancellation() => Virtual.Run(async loop =>
    {
        var finished = await CancelScope.MoveOnAfter(S(10), async _ =>
        {
            await using var tm = new TaskManager(loop);
            tm.Spawn(() => EventLoop.Sleep(S(5)));
            await EventLoop.Sleep(S(1));
            tm.Cancel();
        });
        Assert.True(finished);
        Assert.Equal(S(1), loop.Now);
    });
}
