using static Nursery.Tests.Scopes.Scenes;

namespace Nursery.Tests.Scopes;

/// <summary>
/// Ports of the cancel-scope scenarios of Trio's <c>trio/_core/_tests/test_run.py</c> that map to contract section 5,
/// each named after its original. Where the contract deliberately differs from Trio, the test asserts Nursery's rule and
/// says which line of the original it replaces: a cancellation that has reached code stays with it (level-triggered, as
/// a token cannot be un-cancelled), so raising a shield afterwards does not take it back; and a child spawned into a
/// cancelled manager never runs its body (section 2.9).
/// </summary>
public class TrioCancelScopeTests
{
    [Fact]
    public void Trio_test_cancel_points() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);

        // main1/main2: a checkpoint passes until the scope is cancelled, then throws.
        var first = new CancelScope();
        await first.RunAsync(async _ =>
        {
            log.Add("yield " + await OutcomeOf(() => EventLoop.Yield()));
            first.Cancel();
            log.Add("yield " + await OutcomeOf(() => EventLoop.Yield()));
        });

        // main3: a sleep in a cancelled scope throws.
        var second = new CancelScope();
        await second.RunAsync(async _ =>
        {
            second.Cancel();
            log.Add("sleep " + await OutcomeOf(() => EventLoop.Sleep(Forever)));
        });

        // main4: a shielded checkpoint (cancel_shielded_checkpoint) passes even in a cancelled scope; the next plain one throws.
        var third = new CancelScope();
        await third.RunAsync(async _ =>
        {
            third.Cancel();
            await CancelScope.Shielded(async _ => await EventLoop.Yield());
            await CancelScope.Shielded(async _ => await EventLoop.Yield());
            log.Add("shielded yields passed");
            log.Add("yield " + await OutcomeOf(() => EventLoop.Yield()));
        });

        Assert.Equal(["0s yield ok", "0s yield cancelled", "0s sleep cancelled", "0s shielded yields passed", "0s yield cancelled"], log.Entries);
    });

    [Fact]
    public void Trio_test_cancel_edge_cases() => Virtual.Run(async loop =>
    {
        // Two cancels in a row: idempotent; the scope absorbs its own cancellation.
        var scope = new CancelScope();
        await scope.RunAsync(async _ =>
        {
            scope.Cancel();
            scope.Cancel();
            await EventLoop.Yield();
        });
        Assert.True(scope.IsCancellationRequested);
        Assert.True(scope.CancelledCaught);

        // Level-triggered: every checkpoint after the cancellation throws, not just the first.
        var level = new CancelScope();
        var outcomes = new List<string>();
        await level.RunAsync(async _ =>
        {
            level.Cancel();
            outcomes.Add(await OutcomeOf(() => EventLoop.Sleep(Forever)));
            await EventLoop.Sleep(Forever);
            outcomes.Add("not reached");
        });
        Assert.Equal(["cancelled"], outcomes);
        Assert.True(level.CancelledCaught);
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });

    /// <summary>
    /// Trio collects the Cancelled exceptions of the nursery's children and the outer scope filters them out of the
    /// group, leaving the one real error. Here cancellations are never failures in the first place: the join rethrows
    /// the one real failure as it is, and the outer scope lets it through without claiming to have caught anything.
    /// </summary>
    [Fact]
    public void Trio_test_cancel_scope_exceptiongroup_filtering() => Virtual.Run(async loop =>
    {
        var outer = new CancelScope();
        var failure = new KeyNotFoundException("crasher");
        ChildTask t1 = null!, t2 = null!, crasher = null!;
        var caught = await Catch.ExactlyAsync<KeyNotFoundException>(() => outer.RunAsync(async _ =>
        {
            await using var tm = new TaskManager(loop);
            t1 = tm.Spawn(() => EventLoop.Sleep(Forever));
            t2 = tm.Spawn(() => EventLoop.Sleep(Forever));
            // One that fails with a different error when the outer cancellation reaches it.
            crasher = tm.Spawn(async () =>
            {
                try { await EventLoop.Sleep(Forever); }
                catch (OperationCanceledException) { throw failure; }
            });
            await CancelScope.Shielded(async _ => await EventLoop.Yield());
            outer.Cancel();
        }));

        Assert.Same(failure, caught);
        Assert.False(outer.CancelledCaught);
        Assert.Equal(ChildTaskStatus.Cancelled, t1.Status);
        Assert.Equal(ChildTaskStatus.Cancelled, t2.Status);
        Assert.Equal(ChildTaskStatus.Faulted, crasher.Status);
    });

    /// <summary>
    /// Trio starts a task spawned into an already-cancelled nursery and cancels it at its first blocking call. Nursery's
    /// section 2.9 differs on purpose: a child cancelled before it starts never runs its body. A RunAsync body, like Trio's
    /// task, does start (contract section 10), and its first checkpoint throws.
    /// </summary>
    [Fact]
    public void Trio_test_precancelled_task() => Virtual.Run(async loop =>
    {
        var record = new List<string>();
        ChildTask blocker;
        await using (var tm = new TaskManager(loop))
        {
            tm.Cancel();
            blocker = tm.Spawn(async () =>
            {
                record.Add("child started");
                await EventLoop.Sleep(Forever);
            });
        }
        Assert.Equal(ChildTaskStatus.Cancelled, blocker.Status);

        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var e = await Catch.AnyAsync<OperationCanceledException>(() => TaskManager.RunAsync(async _ =>
        {
            record.Add("body started");
            await EventLoop.Sleep(Forever);
            record.Add("not reached");
        }, cancelled.Token));

        Assert.Equal(["body started"], record);
        Assert.Equal(cancelled.Token, e.CancellationToken);
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });

    /// <summary>
    /// The original also raises the shield of <c>inner</c> after <c>outer</c>'s cancellation has reached it and expects
    /// the next checkpoint to pass. Here a cancellation that has reached code stays (level-triggered; the body's token
    /// has fired and cannot be un-cancelled), so that checkpoint throws: set the shield before the cancellation.
    /// </summary>
    [Fact]
    public void Trio_test_cancel_shielding() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        var outer = new CancelScope();
        var inner = new CancelScope();
        await outer.RunAsync(_ => inner.RunAsync(async _ =>
        {
            await EventLoop.Yield();
            Assert.False(inner.Shield);
            inner.Shield = true;
            outer.Cancel();
            // the shield protects us from 'outer'
            log.Add("shielded yield " + await OutcomeOf(() => EventLoop.Yield()));

            // but not from a scope inside the shield
            var innerest = new CancelScope();
            await innerest.RunAsync(async _ =>
            {
                innerest.Cancel();
                log.Add("innerest yield " + await OutcomeOf(() => EventLoop.Yield()));
            });
            log.Add("shielded yield " + await OutcomeOf(() => EventLoop.Yield()));

            // the shield can come down again: the pending outer cancellation reaches us
            inner.Shield = false;
            log.Add("unshielded yield " + await OutcomeOf(() => EventLoop.Yield()));

            // re-raising it now does not take the cancellation back (Trio's checkpoint would pass here)
            inner.Shield = true;
            log.Add("re-shielded yield " + await OutcomeOf(() => EventLoop.Yield()));

            // the shield never protects us from inner itself; the inner scope absorbs its own cancellation
            inner.Cancel();
            await EventLoop.Yield();
        }));

        Assert.Equal(
            ["0s shielded yield ok", "0s innerest yield cancelled", "0s shielded yield ok", "0s unshielded yield cancelled", "0s re-shielded yield cancelled"],
            log.Entries);
        Assert.True(inner.CancelledCaught);
        Assert.False(outer.CancelledCaught); // the inner scope absorbed; nothing reached the outer one
    });

    [Fact]
    public void Trio_test_cancel_inheritance() => Virtual.Run(async loop =>
    {
        var record = new SortedSet<string>(StringComparer.Ordinal);
        await using (var tm = new TaskManager(loop))
        {
            foreach (var worker in new[] { "w1", "w2" })
            {
                tm.Spawn(async () =>
                {
                    await using var nested = new TaskManager(loop);
                    foreach (var leaf in new[] { "-l1", "-l2" })
                    {
                        nested.Spawn(async () =>
                        {
                            try { await EventLoop.Sleep(Forever); }
                            catch (OperationCanceledException) { record.Add(worker + leaf); }
                        });
                    }
                });
            }
            await loop.RunCurrentAsync(); // Trio's wait_all_tasks_blocked: every leaf sleeps
            tm.CancelScope.Cancel();
        }

        Assert.Equal(["w1-l1", "w1-l2", "w2-l1", "w2-l2"], record);
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });

    /// <summary>
    /// The original raises the nursery's shield just after cancelling the outer scope, which Trio applies before the task
    /// checks. Here the outer cancellation reaches the nursery at once, so the shield goes up first (the contract's
    /// "set Shield before the cancellation it should block"); lowering it then wakes the sleeping child at once.
    /// </summary>
    [Fact]
    public void Trio_test_cancel_shield_abort() => Virtual.Run(async loop =>
    {
        var record = new List<string>();
        var outer = new CancelScope();
        await outer.RunAsync(async _ =>
        {
            await using var tm = new TaskManager(loop);
            tm.CancelScope.Shield = true;
            outer.Cancel();
            // The outer scope is cancelled, but the child is protected by the shield, so it gets to sleep.
            tm.Spawn(async () =>
            {
                record.Add("sleeping");
                try { await EventLoop.Sleep(Forever); }
                catch (OperationCanceledException) { record.Add("cancelled"); }
            });
            await CancelScope.Shielded(async _ => { await EventLoop.Yield(); await EventLoop.Yield(); });
            Assert.Equal(["sleeping"], record);

            // Lowering the shield aborts the sleep at once; check before the join, which could cancel it by itself.
            tm.CancelScope.Shield = false;
            await CancelScope.Shielded(async _ => { await EventLoop.Yield(); await EventLoop.Yield(); });
            Assert.Equal(["sleeping", "cancelled"], record);
        });
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });

    [Fact]
    public void Trio_test_basic_timeout()
    {
        var clock = new VirtualClock();
        Virtual.Run(async loop =>
        {
            // A deadline that passes after the scope has ended does nothing.
            var start = loop.Now;
            var scope = new CancelScope();
            await scope.RunAsync(async _ =>
            {
                Assert.Equal(TimeSpan.MaxValue, scope.Deadline);
                scope.Deadline = start + S(1);
                Assert.Equal(start + S(1), scope.Deadline);
            });
            Assert.False(scope.IsCancellationRequested);
            clock.Advance(S(2));
            await EventLoop.Yield();
            await EventLoop.Yield();
            await EventLoop.Yield();
            Assert.False(scope.IsCancellationRequested);

            // A deadline that passes while the body runs cancels it; the scope absorbs it.
            start = loop.Now;
            var timed = CancelScope.AtDeadline(start + S(1));
            await timed.RunAsync(async _ =>
            {
                clock.Advance(S(2));
                await EventLoop.Sleep(Forever);
            });
            Assert.True(timed.IsCancellationRequested);
            Assert.True(timed.CancelledCaught);

            // Changing the deadline while the body runs.
            start = loop.Now;
            var moving = new CancelScope();
            var outcomes = new List<string>();
            await moving.RunAsync(async _ =>
            {
                await EventLoop.Yield();
                moving.Deadline = start + S(10);
                outcomes.Add(await OutcomeOf(() => EventLoop.Yield()));
                clock.Advance(S(5));
                outcomes.Add(await OutcomeOf(() => EventLoop.Yield()));
                moving.Deadline = start + S(1); // now in the past: cancelled at once
                outcomes.Add(await OutcomeOf(() => EventLoop.Yield()));
                outcomes.Add(await OutcomeOf(() => EventLoop.Yield()));
            });
            Assert.Equal(["ok", "ok", "cancelled", "cancelled"], outcomes);
            Assert.Equal("deadline " + (start + S(1)) + " passed", moving.CancelReason);
        }, clock);
    }

    /// <summary>The third part of the original ("a pending cancellation is not delivered once its scope is left") is the last block.</summary>
    [Fact]
    public void Trio_test_cancel_scope_nesting() => Virtual.Run(async loop =>
    {
        // Two scopes triggering at once: the outer one wins.
        var scope1 = new CancelScope();
        var scope2 = new CancelScope();
        var scope3 = new CancelScope();
        await scope1.RunAsync(_ => scope2.RunAsync(_ => scope3.RunAsync(async _ =>
        {
            scope3.Cancel();
            scope2.Cancel();
            await EventLoop.Sleep(Forever);
        })));
        Assert.True(scope3.IsCancellationRequested);
        Assert.False(scope3.CancelledCaught);
        Assert.True(scope2.IsCancellationRequested);
        Assert.True(scope2.CancelledCaught);
        Assert.False(scope1.IsCancellationRequested);
        Assert.False(scope1.CancelledCaught);

        // Shielding: an inner scope's own cancellation still reaches inside its shield.
        var outcomes = new List<string>();
        var a = new CancelScope();
        var b = new CancelScope();
        await a.RunAsync(_ => b.RunAsync(async _ =>
        {
            a.Cancel();
            outcomes.Add(await OutcomeOf(() => EventLoop.Yield()));
            outcomes.Add(await OutcomeOf(() => EventLoop.Yield()));
            b.Cancel();
            await EventLoop.Yield();
        }));
        Assert.Equal(["cancelled", "cancelled"], outcomes);
        Assert.True(a.CancelledCaught);  // both cancelled: the outer one wins
        Assert.False(b.CancelledCaught);

        // A scope that is cancelled but left without a checkpoint does not deliver its cancellation later.
        var pending = new CancelScope();
        await pending.RunAsync(async _ =>
        {
            pending.Cancel();
            await CancelScope.Shielded(async _ => await EventLoop.Yield());
        });
        await EventLoop.Yield();
        Assert.False(pending.CancelledCaught);
        Assert.True(pending.IsCancellationRequested);
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });

    [Fact]
    public void Trio_test_unshield_while_cancel_propagating() => Virtual.Run(async loop =>
    {
        var outer = new CancelScope();
        var inner = new CancelScope();
        await outer.RunAsync(_ => inner.RunAsync(async _ =>
        {
            outer.Cancel();
            try { await EventLoop.Yield(); }
            finally { inner.Shield = true; }
        }));
        Assert.True(outer.CancelledCaught);
        Assert.False(inner.CancelledCaught);
    });

    /// <summary>
    /// The original's last part (a deadline that passes before a scope is entered makes <c>cancel_called</c> true) is
    /// left out: the contract reports a deadline only once the scope has been entered.
    /// </summary>
    [Fact]
    public void Trio_test_cancel_unbound() => Virtual.Run(async loop =>
    {
        static Task SleepUntilCancelled(CancelScope scope) =>
            scope.RunAsync(_ => CancelScope.FailAfter(S(1), _ => EventLoop.Sleep(Forever)));

        // Cancel before entry: the body starts, its first checkpoint throws, the scope absorbs it (no TimeoutException).
        var before = new CancelScope();
        before.Cancel();
        await using (var tm = new TaskManager(loop))
            tm.Spawn(() => SleepUntilCancelled(before));
        Assert.True(before.CancelledCaught);
        Assert.Equal(TimeSpan.Zero, loop.Now);

        // Cancel after entry.
        var after = new CancelScope();
        await using (var tm = new TaskManager(loop))
        {
            tm.Spawn(() => SleepUntilCancelled(after));
            await loop.RunCurrentAsync(); // Trio's wait_all_tasks_blocked: the child sleeps inside the scope
            after.Cancel();
        }
        Assert.True(after.CancelledCaught);
        Assert.Equal(TimeSpan.Zero, loop.Now);

        // Shield before entry.
        var shielded = new CancelScope { Shield = true };
        var outer = new CancelScope();
        var outcomes = new List<string>();
        await outer.RunAsync(_ => shielded.RunAsync(async _ =>
        {
            outer.Cancel();
            outcomes.Add(await OutcomeOf(() => EventLoop.Yield()));
            shielded.Shield = false;
            outcomes.Add(await OutcomeOf(() => EventLoop.Yield()));
        }));
        Assert.Equal(["ok", "cancelled"], outcomes);

        // Can't reuse.
        var used = new CancelScope();
        await used.RunAsync(async _ => await EventLoop.Yield());
        used.Cancel();
        await EventLoop.Yield();
        Assert.True(used.IsCancellationRequested);
        Assert.False(used.CancelledCaught);
        var reuse = await Catch.ExactlyAsync<InvalidOperationException>(() => used.RunAsync(_ => Task.CompletedTask));
        Assert.Contains("already been entered", reuse.Message);

        // Can't re-enter.
        var reentered = new CancelScope();
        await reentered.RunAsync(async _ =>
        {
            var e = await Catch.ExactlyAsync<InvalidOperationException>(() => reentered.RunAsync(_ => Task.CompletedTask));
            Assert.Contains("already been entered", e.Message);
        });

        // Can't enter from two children at once.
        var shared = new CancelScope();
        await using (var tm = new TaskManager(loop))
        {
            tm.Spawn(() => shared.RunAsync(_ => EventLoop.Sleep(Forever)), "this one");
            await loop.RunCurrentAsync(); // the child has entered the scope
            var e = await Catch.ExactlyAsync<InvalidOperationException>(() => shared.RunAsync(_ => Task.CompletedTask));
            Assert.Contains("already been entered", e.Message);
            tm.CancelScope.Cancel();
        }
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });

    [Fact]
    public void Trio_test_yield_briefly_checks_for_timeout()
    {
        var clock = new VirtualClock();
        Virtual.Run(async loop =>
        {
            var outcomes = new List<string>();
            await CancelScope.AtDeadline(loop.Now + S(5)).RunAsync(async _ =>
            {
                outcomes.Add(await OutcomeOf(() => EventLoop.Yield()));
                clock.Advance(S(10));
                outcomes.Add(await OutcomeOf(() => EventLoop.Yield()));
            });
            Assert.Equal(["ok", "cancelled"], outcomes);
        }, clock);
    }

    /// <summary>
    /// The original raises <c>scope2</c>'s shield once <c>scope1</c> is cancelled and expects scope2's own deadline
    /// again. Here the cancellation has already reached scope2's body (level-triggered), so the code stays cancelled:
    /// <see cref="TimeSpan.MinValue"/>.
    /// </summary>
    [Fact]
    public void Trio_test_current_effective_deadline() => Virtual.Run(async loop =>
    {
        var seen = new List<TimeSpan>();
        void Note() => seen.Add(EventLoop.CurrentEffectiveDeadline);
        Note();
        var scope1 = CancelScope.AtDeadline(S(5));
        await scope1.RunAsync(async _ =>
        {
            var scope2 = CancelScope.AtDeadline(S(10));
            await scope2.RunAsync(async _ =>
            {
                Note();                                 // 5
                scope2.Deadline = S(3);
                Note();                                 // 3
                scope2.Deadline = S(10);
                Note();                                 // 5
                scope2.Shield = true;
                Note();                                 // 10
                scope2.Shield = false;
                Note();                                 // 5
                scope1.Cancel();
                Note();                                 // MinValue
                scope2.Shield = true;
                Note();                                 // MinValue (Trio: 10)
            });
            Note();                                     // MinValue
        });
        Note();                                         // MaxValue
        Assert.Equal([TimeSpan.MaxValue, S(5), S(3), S(5), S(10), S(5), TimeSpan.MinValue, TimeSpan.MinValue, TimeSpan.MinValue, TimeSpan.MaxValue], seen);
    });

    /// <summary>
    /// Trio's version enters 5,000 scopes in one frame; here each level yields first, so the depth is in the tree, not on
    /// the stack, and the cancel walk must reach the bottom without recursing. The innermost body catches the
    /// cancellation: an exception rethrown through 5,000 awaits costs quadratic time in .NET (each rethrow appends to its
    /// stack trace), which is not what this test is about.
    /// </summary>
    [Fact]
    public void Trio_test_very_deep_cancel_scope_nesting() => Virtual.Run(async loop =>
    {
        const int depth = 5000;
        var outermost = new CancelScope();
        var reached = 0;
        string? message = null;
        async Task Nest(int level)
        {
            await EventLoop.Yield();
            if (level == depth)
            {
                reached = level;
                outermost.Cancel("deep");
                try { await EventLoop.Sleep(Forever); }
                catch (OperationCanceledException e) { message = e.Message; }
                return;
            }
            await new CancelScope().RunAsync(_ => Nest(level + 1));
        }

        await outermost.RunAsync(_ => Nest(1));
        Assert.Equal(depth, reached);
        Assert.Equal("The cancel scope was cancelled: deep", message);
        Assert.True(outermost.IsCancellationRequested);
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });

    [Fact]
    public void Trio_test_cancel_scope_deadline_duplicates() => Virtual.Run(async loop =>
    {
        var now = loop.Now;
        var scope = new CancelScope();
        await scope.RunAsync(async _ =>
        {
            for (var i = 0; i < 2000; i++)
            {
                scope.Deadline = now + S(9998);
                scope.Deadline = now + S(9999);
            }
            await EventLoop.Sleep(Ms(10));
        });
        Assert.Equal(Ms(10), loop.Now);
        Assert.False(scope.IsCancellationRequested);
        // No stale copy of the deadline is left in the heap: nothing else keeps the loop (or its clock) going.
        Assert.Equal(0, loop.Timers.Count);
    });

    [Fact]
    public void Trio_test_cancel_scope_no_cancellederror() => Virtual.Run(async loop =>
    {
        var scope = new CancelScope();
        var group = new AggregateException("test", new InvalidOperationException(), new InvalidOperationException());
        var caught = await Catch.ExactlyAsync<AggregateException>(() => scope.RunAsync(async _ =>
        {
            scope.Cancel();
            throw group;
        }));
        Assert.Same(group, caught);
        Assert.False(scope.CancelledCaught);
    });

    /// <summary>
    /// Opening and joining a manager is not a cancellation checkpoint by itself: a cancelled scope around an empty
    /// manager is not cut short. The original's second case spawns a child with no checkpoint, which Trio runs to the
    /// end; here a child spawned into a cancelled manager never starts (section 2.9), so its work was cut short and the
    /// scope says so (as FailAfter must when its deadline stopped a nursery's children from running).
    /// </summary>
    [Fact]
    public void Trio_test_trivial_yields() => Virtual.Run(async loop =>
    {
        var empty = new CancelScope();
        await empty.RunAsync(async _ =>
        {
            empty.Cancel();
            await using var tm = new TaskManager(loop);
        });
        Assert.False(empty.CancelledCaught);

        var noop = new CancelScope();
        ChildTask child = null!;
        await noop.RunAsync(async _ =>
        {
            noop.Cancel();
            await using var tm = new TaskManager(loop);
            child = tm.Spawn(async () => { });
        });
        Assert.True(noop.CancelledCaught); // Trio: False (its child ran)
        Assert.Equal(ChildTaskStatus.Cancelled, child.Status);

        var failing = new CancelScope();
        await Catch.ExactlyAsync<KeyNotFoundException>(() => failing.RunAsync(async _ =>
        {
            failing.Cancel();
            await using var tm = new TaskManager(loop);
            throw new KeyNotFoundException();
        }));
        Assert.False(failing.CancelledCaught);
    });
}
