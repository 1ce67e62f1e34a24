namespace Nursery.Tests.Scopes;

/// <summary>
/// Ports of CPython's <c>Lib/test/test_asyncio/test_timeouts.py</c> that map to contract section 5: <c>asyncio.timeout</c>
/// is <see cref="CancelScope.FailAfter(TimeSpan, Func{CancellationToken, Task})"/>, <c>timeout_at</c> a scope made by
/// <see cref="CancelScope.AtDeadline"/>, <c>cm.expired()</c> <see cref="CancelScope.CancelledCaught"/>,
/// <c>cm.when()</c> <see cref="CancelScope.Deadline"/> and <c>reschedule</c> setting it. Where asyncio's rule differs
/// (a timeout entered in the cleanup of a cancelled task still raises TimeoutError there, because asyncio counts
/// cancellations per task; here the outer cancellation wins, as in Trio), the test asserts Nursery's rule, names the
/// difference, and shows the shielded form that gives asyncio's result.
/// </summary>
public class CPythonTimeoutTests
{
    [Fact]
    public void CPython_test_timeout_basic() => Virtual.Run(async loop =>
    {
        await Catch.ExactlyAsync<TimeoutException>(() => CancelScope.FailAfter(Ms(10), _ => EventLoop.Sleep(S(10))));
        Assert.Equal(Ms(10), loop.Now);

        var cm = CancelScope.AfterDelay(Ms(10));
        await cm.RunAsync(_ => EventLoop.Sleep(S(10)));
        Assert.True(cm.CancelledCaught);
    });

    [Fact]
    public void CPython_test_timeout_at_basic() => Virtual.Run(async loop =>
    {
        var deadline = loop.Now + Ms(10);
        var cm = CancelScope.AtDeadline(deadline);
        await cm.RunAsync(_ => EventLoop.Sleep(S(10)));
        Assert.True(cm.CancelledCaught);
        Assert.Equal(deadline, cm.Deadline);
        Assert.Equal(deadline, loop.Now);
    });

    /// <summary>Only the outermost of two timeouts with the same deadline raises; the inner one lets the cancellation through.</summary>
    [Fact]
    public void CPython_test_nested_timeouts() => Virtual.Run(async loop =>
    {
        var deadline = loop.Now + Ms(10);
        var cancelled = false;
        var cm1 = CancelScope.AtDeadline(deadline);
        var cm2 = CancelScope.AtDeadline(deadline);
        await cm1.RunAsync(async _ =>
        {
            try { await cm2.RunAsync(_ => EventLoop.Sleep(S(10))); }
            catch (OperationCanceledException) { cancelled = true; throw; }
        });
        Assert.True(cancelled);
        Assert.True(cm1.CancelledCaught);
        Assert.True(cm2.IsCancellationRequested); // expired...
        Assert.False(cm2.CancelledCaught);        // ...but the outer one won

        // The same with the helpers: only the outer FailAfter raises TimeoutException.
        var innerSaw = "";
        await Catch.ExactlyAsync<TimeoutException>(() => CancelScope.FailAfter(Ms(10), async _ =>
        {
            try { await CancelScope.FailAfter(Ms(10), _ => EventLoop.Sleep(S(10))); }
            catch (Exception e) { innerSaw = e.GetType().Name; throw; }
        }));
        Assert.Equal(nameof(TaskCanceledException), innerSaw);
    });

    [Fact]
    public void CPython_test_waiter_cancelled() => Virtual.Run(async loop =>
    {
        var cancelled = false;
        await Catch.ExactlyAsync<TimeoutException>(() => CancelScope.FailAfter(Ms(10), async _ =>
        {
            try { await EventLoop.Sleep(S(10)); }
            catch (OperationCanceledException) { cancelled = true; throw; }
        }));
        Assert.True(cancelled);
    });

    [Fact]
    public void CPython_test_timeout_not_called() => Virtual.Run(async loop =>
    {
        var cm = CancelScope.AfterDelay(S(10));
        await cm.RunAsync(_ => EventLoop.Sleep(Ms(10)));
        Assert.False(cm.CancelledCaught);
        Assert.False(cm.IsCancellationRequested);
        Assert.True(cm.Deadline > loop.Now);
        // Its timer was taken out when the scope ended: the loop does not run on to it.
        Assert.Equal(Ms(10), loop.Now);
        Assert.Equal(0, loop.Timers.Count);
    });

    [Fact]
    public void CPython_test_timeout_disabled() => Virtual.Run(async loop =>
    {
        var cm = new CancelScope();
        await cm.RunAsync(_ => EventLoop.Sleep(Ms(10)));
        Assert.False(cm.CancelledCaught);
        Assert.Equal(TimeSpan.MaxValue, cm.Deadline);
    });

    [Fact]
    public void CPython_test_timeout_at_disabled() => Virtual.Run(async loop =>
    {
        var cm = CancelScope.AtDeadline(TimeSpan.MaxValue);
        await cm.RunAsync(_ => EventLoop.Sleep(Ms(10)));
        Assert.False(cm.CancelledCaught);
        Assert.Equal(TimeSpan.MaxValue, cm.Deadline);
        Assert.Equal(TimeSpan.MaxValue, EventLoop.CurrentEffectiveDeadline);
    });

    [Fact]
    public void CPython_test_timeout_zero() => Virtual.Run(async loop =>
    {
        await EventLoop.Sleep(S(1));
        var t0 = loop.Now;
        var cm = CancelScope.AfterDelay(TimeSpan.Zero);
        await cm.RunAsync(_ => EventLoop.Sleep(S(10)));
        Assert.True(cm.CancelledCaught);
        Assert.Equal(t0, cm.Deadline);
        Assert.Equal(t0, loop.Now);
        await Catch.ExactlyAsync<TimeoutException>(() => CancelScope.FailAfter(TimeSpan.Zero, _ => EventLoop.Sleep(S(10))));
    });

    [Fact]
    public void CPython_test_timeout_zero_sleep_zero() => Virtual.Run(async loop =>
    {
        var cm = CancelScope.AfterDelay(TimeSpan.Zero);
        await cm.RunAsync(_ => EventLoop.Sleep(TimeSpan.Zero));
        Assert.True(cm.CancelledCaught);
        await Catch.ExactlyAsync<TimeoutException>(() => CancelScope.FailAfter(TimeSpan.Zero, _ => EventLoop.Sleep(TimeSpan.Zero)));
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });

    [Fact]
    public void CPython_test_timeout_in_the_past_sleep_zero() => Virtual.Run(async loop =>
    {
        await EventLoop.Sleep(S(20));
        var cm = CancelScope.AtDeadline(loop.Now - S(11));
        await cm.RunAsync(_ => EventLoop.Sleep(TimeSpan.Zero));
        Assert.True(cm.CancelledCaught);
        Assert.Equal(S(9), cm.Deadline);
        Assert.Equal("deadline 00:00:09 passed", cm.CancelReason);
    });

    [Fact]
    public void CPython_test_foreign_exception_passed() => Virtual.Run(async loop =>
    {
        var cm = CancelScope.AfterDelay(Ms(10));
        var failure = new KeyNotFoundException();
        Assert.Same(failure, await Catch.ExactlyAsync<KeyNotFoundException>(() => cm.RunAsync(_ => throw failure)));
        Assert.False(cm.CancelledCaught);
        Assert.False(cm.IsCancellationRequested);
    });

    [Fact]
    public void CPython_test_foreign_exception_on_timeout() => Virtual.Run(async loop =>
    {
        static async Task Crash()
        {
            try { await EventLoop.Sleep(S(1)); }
            finally { throw new DivideByZeroException(); }
        }
        await Catch.ExactlyAsync<DivideByZeroException>(() => CancelScope.FailAfter(Ms(10), _ => Crash()));
        Assert.Equal(Ms(10), loop.Now);
    });

    /// <summary>asyncio's <c>current_task().cancel()</c> is the cancellation of the child the code runs in.</summary>
    [Fact]
    public void CPython_test_foreign_cancel_doesnt_timeout_if_not_expired() => Virtual.Run(async loop =>
    {
        var cm = CancelScope.AfterDelay(S(10));
        ChildTask child = null!;
        Exception? seen = null;
        await using (var tm = new TaskManager(loop))
        {
            child = tm.Spawn(async () =>
            {
                try
                {
                    await cm.RunAsync(async _ =>
                    {
                        child.Cancel();
                        await EventLoop.Sleep(S(10));
                    });
                }
                catch (Exception e) { seen = e; throw; }
            });
        }
        Assert.IsAssignableFrom<OperationCanceledException>(seen);
        Assert.Equal(ChildTaskStatus.Cancelled, child.Status);
        Assert.False(cm.CancelledCaught);
        Assert.False(cm.IsCancellationRequested);
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });

    [Fact]
    public void CPython_test_outer_task_is_not_cancelled() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var outer = tm.Spawn(async () =>
        {
            await Catch.ExactlyAsync<TimeoutException>(() => CancelScope.FailAfter(Ms(1), _ => EventLoop.Sleep(S(10))));
            return "done";
        });
        await tm.DisposeAsync();
        Assert.Equal(ChildTaskStatus.Completed, outer.Status);
        Assert.Equal("done", outer.Result);
    });

    /// <summary>
    /// The loop is "busy" (virtual time moves under it) past both deadlines. asyncio lets the inner timeout raise and
    /// the outer one interrupt the next sleep; here both scopes are cancelled when the body resumes, so the outer one wins
    /// at once: the inner lets the cancellation through and the code after it never runs.
    /// </summary>
    [Fact]
    public void CPython_test_nested_timeouts_loop_busy()
    {
        var clock = new VirtualClock();
        Virtual.Run(async loop =>
        {
            var log = new EventLog(loop);
            var t0 = loop.Now;
            await Catch.ExactlyAsync<TimeoutException>(() => CancelScope.FailAfter(Ms(100), async _ =>
            {
                try
                {
                    await CancelScope.FailAfter(Ms(10), async _ =>
                    {
                        clock.Advance(Ms(100)); // pretend the loop is busy for a while
                        await EventLoop.Sleep(S(1));
                    });
                }
                catch (Exception e) { log.Add("inner: " + e.GetType().Name); throw; }
                log.Add("not reached");
                await EventLoop.Sleep(S(10));
            }));
            Assert.Equal(["0.1s inner: TaskCanceledException"], log.Entries);
            Assert.Equal(t0 + Ms(100), loop.Now);
        }, clock);
    }

    [Fact]
    public void CPython_test_reschedule() => Virtual.Run(async loop =>
    {
        var deadline1 = loop.Now + S(10);
        var deadline2 = deadline1 + S(20);
        var cm = CancelScope.AtDeadline(deadline1);
        await using var tm = new TaskManager(loop);
        var task = tm.Spawn(() => cm.RunAsync(_ => EventLoop.Sleep(S(50))));
        await EventLoop.Yield();

        Assert.Equal(deadline1, cm.Deadline);
        cm.Deadline = deadline2;
        Assert.Equal(deadline2, cm.Deadline);
        cm.Deadline = TimeSpan.MaxValue;
        Assert.Equal(TimeSpan.MaxValue, cm.Deadline);

        task.Cancel();
        await tm.DisposeAsync();
        Assert.Equal(ChildTaskStatus.Cancelled, task.Status);
        Assert.False(cm.CancelledCaught);
        Assert.False(cm.IsCancellationRequested);
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });

    /// <summary>
    /// A timeout entered in the cleanup of a timed-out scope: asyncio raises the inner TimeoutError there. Here the cleanup
    /// runs in code that is already cancelled, so the inner scope's first checkpoint throws the outer cancellation, the
    /// outer wins, and only the outer TimeoutException comes out. A cleanup that must run and have its own timeout goes
    /// in <see cref="CancelScope.Shielded"/>: then the inner FailAfter times out exactly as in asyncio.
    /// </summary>
    [Fact]
    public void CPython_test_nested_timeout_in_finally() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        await Catch.ExactlyAsync<TimeoutException>(() => CancelScope.FailAfter(Ms(10), async _ =>
        {
            try { await EventLoop.Sleep(S(1)); }
            finally
            {
                var inner = await Catch.ExceptionAsync(() => CancelScope.FailAfter(Ms(10), _ => EventLoop.Sleep(S(10))));
                log.Add("unshielded cleanup: " + inner!.GetType().Name);
                var shielded = await Catch.ExceptionAsync(() => CancelScope.Shielded(_ => CancelScope.FailAfter(Ms(10), _ => EventLoop.Sleep(S(10)))));
                log.Add("shielded cleanup: " + shielded!.GetType().Name);
            }
        }));
        Assert.Equal(["0.01s unshielded cleanup: TaskCanceledException", "0.02s shielded cleanup: TimeoutException"], log.Entries);
    });

    /// <summary>asyncio gives a TimeoutError in the cleanup of a cancelled task; here the child's cancellation wins (see above).</summary>
    [Fact]
    public void CPython_test_timeout_after_cancellation() => Virtual.Run(async loop =>
    {
        Exception? inCleanup = null;
        Exception? shieldedCleanup = null;
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async () =>
        {
            try
            {
                tm.Cancel();
                await EventLoop.Sleep(S(1)); // work which will be cancelled
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                inCleanup = await Catch.ExceptionAsync(() => CancelScope.FailAfter(TimeSpan.Zero, _ => EventLoop.Sleep(S(1))));
                shieldedCleanup = await Catch.ExceptionAsync(() => CancelScope.Shielded(_ => CancelScope.FailAfter(TimeSpan.Zero, _ => EventLoop.Sleep(S(1)))));
            }
        });
        await tm.DisposeAsync();
        Assert.IsAssignableFrom<OperationCanceledException>(inCleanup);
        Assert.IsType<TimeoutException>(shieldedCleanup);
        Assert.Equal(ChildTaskStatus.Completed, child.Status); // it swallowed the cancellation and returned
    });

    [Fact]
    public void CPython_test_cancel_in_timeout_after_cancellation() => Virtual.Run(async loop =>
    {
        Exception? inCleanup = null;
        await using var tm = new TaskManager(loop);
        ChildTask child = null!;
        child = tm.Spawn(async () =>
        {
            try
            {
                child.Cancel();
                await EventLoop.Sleep(S(1));
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                inCleanup = await Catch.ExceptionAsync(() => CancelScope.FailAfter(S(1), async _ =>
                {
                    child.Cancel();
                    await EventLoop.Sleep(S(2));
                }));
            }
        });
        await tm.DisposeAsync();
        Assert.IsAssignableFrom<OperationCanceledException>(inCleanup);
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });

    [Fact]
    public void CPython_test_timeout_exception_cause() => Virtual.Run(async loop =>
    {
        var e = await Catch.ExactlyAsync<TimeoutException>(() => CancelScope.FailAfter(TimeSpan.Zero, _ => EventLoop.Sleep(S(1))));
        var cause = Assert.IsAssignableFrom<OperationCanceledException>(e.InnerException);
        Assert.Contains("deadline 00:00:00 passed", cause.Message);
    });

    [Fact]
    public void CPython_test_timeout_already_entered() => Virtual.Run(async loop =>
    {
        var cm = CancelScope.AfterDelay(Ms(10));
        await cm.RunAsync(async _ =>
        {
            var e = await Catch.ExactlyAsync<InvalidOperationException>(() => cm.RunAsync(_ => Task.CompletedTask));
            Assert.Contains("already been entered", e.Message);
        });
    });

    [Fact]
    public void CPython_test_timeout_double_enter() => Virtual.Run(async loop =>
    {
        var cm = CancelScope.AfterDelay(Ms(10));
        await cm.RunAsync(_ => Task.CompletedTask);
        var e = await Catch.ExactlyAsync<InvalidOperationException>(() => cm.RunAsync(_ => Task.CompletedTask));
        Assert.Contains("already been entered", e.Message);
    });

    /// <summary>asyncio refuses <c>reschedule</c> on a finished timeout; here the deadline may be moved at any time, and once the scope has ended it changes nothing.</summary>
    [Fact]
    public void CPython_test_timeout_finished() => Virtual.Run(async loop =>
    {
        var cm = CancelScope.AfterDelay(Ms(10));
        await cm.RunAsync(_ => Task.CompletedTask);
        cm.Deadline = loop.Now; // would fire at once if the scope were still running
        await EventLoop.Sleep(Ms(20));
        Assert.False(cm.IsCancellationRequested);
        Assert.Equal(0, loop.Timers.Count);
    });

    /// <summary>asyncio refuses <c>reschedule</c> before entry; here a deadline set before entry is the one the scope enters with.</summary>
    [Fact]
    public void CPython_test_timeout_not_entered() => Virtual.Run(async loop =>
    {
        var cm = CancelScope.AfterDelay(Ms(10));
        cm.Deadline = Ms(20); // replaces the delay with an absolute deadline
        await EventLoop.Sleep(Ms(5));
        await cm.RunAsync(_ => EventLoop.Sleep(S(1)));
        Assert.True(cm.CancelledCaught);
        Assert.Equal(Ms(20), loop.Now);
    });

    [Fact]
    public void CPython_test_timeout_without_task()
    {
        var cm = CancelScope.AfterDelay(Ms(10));
        var e = Assert.Throws<InvalidOperationException>(() => { _ = cm.RunAsync(_ => Task.CompletedTask); });
        Assert.Contains("CancelScope.RunAsync", e.Message);
        Assert.Throws<InvalidOperationException>(() => { _ = CancelScope.FailAfter(Ms(10), _ => Task.CompletedTask); });
        Assert.Throws<InvalidOperationException>(() => { _ = CancelScope.MoveOnAfter(Ms(10), _ => Task.CompletedTask); });
        Assert.Throws<InvalidOperationException>(() => { _ = CancelScope.Shielded(_ => Task.CompletedTask); });
    }
}
