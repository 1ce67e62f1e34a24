using static Nursery.Tests.Scopes.Scenes;

namespace Nursery.Tests.Scopes;

/// <summary>
/// Section 5 rules where two things happen at once: a deadline moved while the body sleeps, a shield toggled while a
/// cancellation is pending, an outer cancellation while an inner deadline is pending, FailAfter in a nursery that fails,
/// a failure in shielded cleanup, changes made from another thread. Event logs stamped with virtual time.
/// </summary>
public class ScopeInteractionTests
{
    [Fact]
    public void A_deadline_moved_later_while_the_body_sleeps_unarms_the_old_timer_and_moved_earlier_fires_sooner() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        await using var helper = new TaskManager(loop);
        var scope = CancelScope.AfterDelay(S(5));
        At(helper, S(2), () => { scope.Deadline = S(8); log.Add("deadline -> 8s"); });
        At(helper, S(4), () => { scope.Deadline = S(6); log.Add("deadline -> 6s"); });
        await scope.RunAsync(async _ =>
        {
            try { await EventLoop.Sleep(Forever); }
            catch (OperationCanceledException e) { log.Add("woke: " + e.Message); throw; }
        });
        log.Add("scope left");

        Assert.Equal(
            ["2s deadline -> 8s", "4s deadline -> 6s", "6s woke: The cancel scope was cancelled: its deadline 00:00:06 passed.", "6s scope left"],
            log.Entries);
        Assert.True(scope.CancelledCaught);
    });

    [Fact]
    public void A_deadline_moved_into_the_past_while_the_body_sleeps_wakes_it_at_once() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        await using var helper = new TaskManager(loop);
        var scope = CancelScope.AtDeadline(S(10));
        At(helper, S(3), () => scope.Deadline = S(1));
        await scope.RunAsync(async _ =>
        {
            try { await EventLoop.Sleep(Forever); }
            catch (OperationCanceledException) { log.Add("woke"); throw; }
        });
        Assert.Equal(["3s woke"], log.Entries);
        Assert.Equal("deadline 00:00:01 passed", scope.CancelReason);
    });

    [Fact]
    public void A_deadline_removed_while_the_body_sleeps_lets_it_finish_and_leaves_no_timer() => Virtual.Run(async loop =>
    {
        await using var helper = new TaskManager(loop);
        var scope = CancelScope.AfterDelay(S(5));
        At(helper, S(1), () => scope.Deadline = TimeSpan.MaxValue);
        var finished = false;
        await scope.RunAsync(async _ => { await EventLoop.Sleep(S(20)); finished = true; });
        Assert.True(finished);
        Assert.False(scope.IsCancellationRequested);
        Assert.Equal(S(20), loop.Now);
    });

    [Fact]
    public void A_deadline_moved_from_another_thread_takes_effect_on_the_loop() =>
        Virtual.Run(async loop =>
        {
            var scope = CancelScope.AtDeadline(S(100));
            var threadId = -1;
            var loopThread = Environment.CurrentManagedThreadId;
            var mover = new Thread(() => scope.Deadline = TimeSpan.Zero);
            await scope.RunAsync(async ct =>
            {
                ct.Register(() => threadId = Environment.CurrentManagedThreadId);
                mover.Start();
                await EventLoop.Sleep(Forever); // no auto-jump: only the other thread's change can wake this
            });
            mover.Join();
            Assert.True(scope.CancelledCaught);
            Assert.Equal("deadline 00:00:00 passed", scope.CancelReason);
            Assert.Equal(loopThread, threadId); // the token fired on the loop thread
            Assert.Equal(TimeSpan.Zero, loop.Now);
        }, new VirtualClock { AutoJump = false });

    [Fact]
    public void Cancel_from_another_thread_wakes_the_body_on_the_loops_next_turn_with_its_reason() =>
        Virtual.Run(async loop =>
        {
            var scope = new CancelScope();
            string? message = null;
            var canceller = new Thread(() => scope.Cancel("from a thread"));
            await scope.RunAsync(async _ =>
            {
                canceller.Start();
                try { await EventLoop.Sleep(Forever); }
                catch (OperationCanceledException e) { message = e.Message; throw; }
            });
            canceller.Join();
            Assert.Equal("The cancel scope was cancelled: from a thread", message);
            Assert.True(scope.CancelledCaught);
        }, new VirtualClock { AutoJump = false });

    [Fact]
    public void Lowering_the_shield_while_an_outer_cancellation_is_pending_wakes_the_sleeping_body_at_once() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        await using var helper = new TaskManager(loop);
        var outer = new CancelScope();
        var shielded = new CancelScope { Shield = true };
        At(helper, S(1), () => { outer.Cancel("outer"); log.Add("outer cancelled"); });
        At(helper, S(3), () => { shielded.Shield = false; log.Add("shield lowered"); });
        await outer.RunAsync(_ => shielded.RunAsync(async ct =>
        {
            try { await EventLoop.Sleep(Forever); }
            catch (OperationCanceledException e) { log.Add($"woke ({e.Message}), token {ct.IsCancellationRequested}"); throw; }
        }));
        log.Add("outer left");

        Assert.Equal(
            ["1s outer cancelled", "3s shield lowered", "3s woke (The cancel scope was cancelled: outer), token True", "3s outer left"],
            log.Entries);
        Assert.False(shielded.CancelledCaught); // the cancellation was the outer scope's
        Assert.True(outer.CancelledCaught);
    });

    [Fact]
    public void Lowering_the_shield_from_another_thread_lets_the_pending_cancellation_in() =>
        Virtual.Run(async loop =>
        {
            var outer = new CancelScope();
            var shielded = new CancelScope { Shield = true };
            var lowerer = new Thread(() => shielded.Shield = false);
            await outer.RunAsync(_ => shielded.RunAsync(async _ =>
            {
                outer.Cancel();
                await EventLoop.Yield(); // shielded: passes
                lowerer.Start();
                await EventLoop.Sleep(Forever);
            }));
            lowerer.Join();
            Assert.True(outer.CancelledCaught);
        }, new VirtualClock { AutoJump = false });

    [Fact]
    public void A_shield_raised_before_the_outer_cancellation_keeps_the_body_its_token_and_its_managers_children_running() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        await using var helper = new TaskManager(loop);
        var outer = new CancelScope();
        At(helper, S(1), () => outer.Cancel());
        await outer.RunAsync(async _ =>
        {
            await CancelScope.Shielded(async ct =>
            {
                await using (var tm = new TaskManager(loop))
                {
                    tm.Spawn(async () => { await EventLoop.Sleep(S(3)); log.Add("child finished"); });
                }
                log.Add($"body finished, token {ct.IsCancellationRequested}");
            });
            log.Add("after shield " + await OutcomeOf(() => EventLoop.Yield()));
        });
        Assert.Equal(["3s child finished", "3s body finished, token False", "3s after shield cancelled"], log.Entries);
    });

    [Fact]
    public void An_outer_cancel_while_an_inner_deadline_is_pending_passes_through_the_inner_scope_and_unarms_its_timer() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        await using var helper = new TaskManager(loop);
        var outer = new CancelScope();
        var inner = CancelScope.AfterDelay(S(5));
        At(helper, S(2), () => outer.Cancel("shutdown"));
        await outer.RunAsync(async _ =>
        {
            try { await inner.RunAsync(_ => EventLoop.Sleep(Forever)); }
            catch (OperationCanceledException e) { log.Add("inner let through: " + e.Message); throw; }
        });
        log.Add("outer absorbed it");
        await EventLoop.Sleep(S(10)); // past the inner deadline: it never fires

        Assert.Equal(["2s inner let through: The cancel scope was cancelled: shutdown", "2s outer absorbed it"], log.Entries);
        Assert.False(inner.IsCancellationRequested);
        Assert.False(inner.CancelledCaught);
        Assert.True(outer.CancelledCaught);
        Assert.Null(inner.CancelReason);
    });

    [Fact]
    public void An_inner_deadline_and_an_outer_cancel_in_the_same_turn_the_outer_wins_and_FailAfter_does_not_time_out() => Virtual.Run(async loop =>
    {
        await using var helper = new TaskManager(loop);
        var outer = new CancelScope();
        At(helper, S(2), () => outer.Cancel()); // scheduled before the inner deadline is armed: runs first at 2 s
        Exception? innerOutcome = null;
        await outer.RunAsync(async _ =>
        {
            innerOutcome = await Catch.ExceptionAsync(() => CancelScope.FailAfter(S(2), _ => EventLoop.Sleep(Forever)));
            await EventLoop.Yield();
        });
        Assert.IsAssignableFrom<OperationCanceledException>(innerOutcome);
        Assert.True(outer.CancelledCaught);
        Assert.Equal(S(2), loop.Now);
    });

    [Fact]
    public void FailAfter_inside_a_failing_nursery_lets_the_siblings_cancellation_through_and_the_join_rethrows_the_failure() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        var failure = new InvalidOperationException("boom");
        ChildTask timed = null!, failing = null!;
        var caught = await Catch.ExactlyAsync<InvalidOperationException>(async () =>
        {
            await using var tm = new TaskManager(loop);
            timed = tm.Spawn(async () =>
            {
                try { await CancelScope.FailAfter(S(10), _ => EventLoop.Sleep(Forever)); }
                catch (Exception e) { log.Add($"timed: {e.GetType().Name}: {e.Message}"); throw; }
            });
            failing = tm.Spawn(async () => { await EventLoop.Sleep(S(1)); throw failure; }, "failing");
        });
        await EventLoop.Sleep(S(20)); // the FailAfter deadline was un-armed with its scope

        Assert.Same(failure, caught);
        Assert.Equal([$"1s timed: TaskCanceledException: Cancelled because sibling #{failing.Id} 'failing' failed: InvalidOperationException: boom"], log.Entries);
        Assert.Equal(ChildTaskStatus.Cancelled, timed.Status);
        Assert.Equal(S(21), loop.Now);
    });

    [Fact]
    public void A_FailAfter_that_times_out_in_a_child_is_that_childs_failure_and_cancels_its_siblings_naming_it() => Virtual.Run(async loop =>
    {
        string? siblingSaw = null;
        ChildTask timed = null!;
        var caught = await Catch.ExactlyAsync<TimeoutException>(async () =>
        {
            await using var tm = new TaskManager(loop);
            timed = tm.Spawn(() => CancelScope.FailAfter(S(3), _ => EventLoop.Sleep(Forever)));
            tm.Spawn(async () =>
            {
                try { await EventLoop.Sleep(Forever); }
                catch (OperationCanceledException e) { siblingSaw = e.Message; throw; }
            });
        });
        Assert.Contains("deadline 00:00:03 passed", caught.Message);
        Assert.Equal($"Cancelled because sibling #{timed.Id} failed: TimeoutException: {caught.Message}", siblingSaw);
        Assert.Equal(ChildTaskStatus.Faulted, timed.Status);
        Assert.Equal(S(3), loop.Now);
    });

    [Fact]
    public void A_failure_inside_a_shielded_cleanup_of_a_cancelled_child_is_not_lost_the_join_rethrows_it() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        var flushFailed = new IOException("flush failed");
        ChildTask worker = null!;
        var tm = new TaskManager(loop);
        worker = tm.Spawn(async () =>
        {
            try { await EventLoop.Sleep(Forever); }
            catch (OperationCanceledException)
            {
                log.Add("cleanup starts");
                await CancelScope.Shielded(async _ =>
                {
                    await EventLoop.Sleep(S(1));
                    log.Add("cleanup fails");
                    throw flushFailed;
                });
                throw;
            }
        });
        await EventLoop.Sleep(S(2));
        tm.Cancel();
        var caught = await Catch.ExactlyAsync<IOException>(() => tm.DisposeAsync().AsTask());

        Assert.Same(flushFailed, caught);
        Assert.Equal(["2s cleanup starts", "3s cleanup fails"], log.Entries);
        Assert.Equal(ChildTaskStatus.Faulted, worker.Status);
    });

    [Fact]
    public void A_failure_inside_a_shielded_cleanup_passes_through_FailAfter_unchanged_not_as_a_timeout() => Virtual.Run(async loop =>
    {
        var flushFailed = new IOException("flush failed");
        var caught = await Catch.ExactlyAsync<IOException>(() => CancelScope.FailAfter(S(1), async _ =>
        {
            try { await EventLoop.Sleep(Forever); }
            finally
            {
                await CancelScope.Shielded(async _ =>
                {
                    await EventLoop.Sleep(S(1)); // the cleanup's own checkpoints are not cut short by the deadline
                    throw flushFailed;
                });
            }
        }));
        Assert.Same(flushFailed, caught);
        Assert.Equal(S(2), loop.Now);
    });

    [Fact]
    public void A_token_callback_that_throws_when_the_scope_is_cancelled_is_reported_by_RunAsync() => Virtual.Run(async loop =>
    {
        var scope = new CancelScope();
        var callbackFailure = new InvalidOperationException("callback broke");
        var caught = await Catch.ExceptionAsync(() => scope.RunAsync(async ct =>
        {
            ct.Register(() => throw callbackFailure);
            scope.Cancel();
            await EventLoop.Yield();
        }));
        Assert.Same(callbackFailure, caught);
        Assert.True(scope.CancelledCaught);
    });

    [Fact]
    public void A_body_that_catches_its_cancellation_and_returns_normally_is_not_CancelledCaught_and_the_code_after_runs() => Virtual.Run(async loop =>
    {
        var scope = CancelScope.AfterDelay(S(1));
        var after = "";
        await scope.RunAsync(async _ =>
        {
            try { await EventLoop.Sleep(Forever); }
            catch (OperationCanceledException) { }
            after = "ran";
        });
        Assert.Equal("ran", after);
        Assert.True(scope.IsCancellationRequested);
        Assert.False(scope.CancelledCaught);
        Assert.True(await CancelScope.MoveOnAfter(S(1), async _ =>
        {
            try { await EventLoop.Sleep(Forever); }
            catch (OperationCanceledException) { }
        })); // MoveOnAfter is !CancelledCaught: the body finished on its own terms
    });

    [Fact]
    public void Cancel_after_the_scope_has_ended_fires_nothing_inside_and_leaves_the_caller_alone() => Virtual.Run(async loop =>
    {
        var scope = new CancelScope();
        CancellationToken token = default;
        await scope.RunAsync(async ct => { token = ct; await EventLoop.Yield(); });
        scope.Cancel("late");
        Assert.Equal("late", scope.CancelReason);
        Assert.True(scope.IsCancellationRequested);
        Assert.False(scope.CancelledCaught);
        Assert.True(token.IsCancellationRequested); // the token still reports the request
        Assert.Equal("ok", await OutcomeOf(() => EventLoop.Yield()));
    });

    [Fact]
    public void A_Token_asked_for_after_the_cancellation_is_already_cancelled() => Virtual.Run(async loop =>
    {
        var outer = new CancelScope();
        var inner = new CancelScope();
        await outer.RunAsync(_ => inner.RunAsync(async _ =>
        {
            outer.Cancel();
            Assert.True(inner.Token.IsCancellationRequested); // made after the outer cancellation reached the body
            await EventLoop.Yield();
        }));
        Assert.True(outer.CancelledCaught);
    });
}
