using static Nursery.Tests.Scopes.Scenes;

namespace Nursery.Tests.Scopes;

/// <summary>
/// Scopes compose with everything else on the loop (issue 8, item 2): scopes inside children, RunAsync bodies and host
/// work items; managers created inside a scope nest under it; a scope inside a shielded scope; a scope body that spawns
/// into a manager opened outside it (the child belongs to the manager, not to the scope).
/// </summary>
public class ScopeCompositionTests
{
    [Fact]
    public void A_scope_inside_a_child_covers_only_that_childs_code() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        await using var tm = new TaskManager(loop);
        var a = tm.Spawn(async () =>
        {
            var finished = await CancelScope.MoveOnAfter(S(1), _ => EventLoop.Sleep(S(10)));
            log.Add($"a moved on (finished: {finished})");
            await EventLoop.Sleep(S(1));
            return "a";
        });
        var b = tm.Spawn(async () => { await EventLoop.Sleep(S(3)); log.Add("b done"); return "b"; });
        await tm.DisposeAsync();

        Assert.Equal(["1s a moved on (finished: False)", "3s b done"], log.Entries);
        Assert.Equal("a", a.Result);
        Assert.Equal("b", b.Result);
        Assert.False(tm.IsCancellationRequested);
    });

    [Fact]
    public void A_scope_inside_a_RunAsync_body_cuts_the_body_short_but_not_the_managers_children() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        await TaskManager.RunAsync(async tm =>
        {
            tm.Spawn(async () => { await EventLoop.Sleep(S(5)); log.Add("child done"); });
            var finished = await CancelScope.MoveOnAfter(S(1), _ => EventLoop.Sleep(Forever));
            log.Add($"body moved on (finished: {finished})");
        });
        log.Add("joined");
        Assert.Equal(["1s body moved on (finished: False)", "5s child done", "5s joined"], log.Entries);
    });

    [Fact]
    public void A_RunAsync_manager_inside_a_cancelled_scope_cancels_its_body_and_children_and_the_scope_absorbs_it() => Virtual.Run(async loop =>
    {
        await using var helper = new TaskManager(loop);
        var scope = new CancelScope();
        ChildTask child = null!;
        At(helper, S(1), () => scope.Cancel("stop"));
        await scope.RunAsync(_ => TaskManager.RunAsync(async tm =>
        {
            child = tm.Spawn(() => EventLoop.Sleep(Forever));
            await EventLoop.Sleep(Forever);
        }));
        Assert.True(scope.CancelledCaught);
        Assert.Equal(ChildTaskStatus.Cancelled, child.Status);
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void A_scope_inside_a_host_work_item_times_out_on_the_hosts_virtual_clock_in_no_real_time() => Guard.Run(() =>
    {
        using var host = new LoopThread(new VirtualClock());
        var started = System.Diagnostics.Stopwatch.StartNew();
        var timedOut = host.Submit(_ => CancelScope.FailAfter(TimeSpan.FromSeconds(30), _ => EventLoop.Sleep(Forever)));
        var e = Assert.Throws<TimeoutException>(() => timedOut.GetAwaiter().GetResult());
        Assert.Contains("deadline 00:00:30 passed", e.Message);

        var movedOn = host.Submit(async _ => (await CancelScope.MoveOnAfter(TimeSpan.FromMinutes(5), _ => EventLoop.Sleep(Forever)), EventLoop.Current!.Now));
        Assert.Equal((false, TimeSpan.FromSeconds(30) + TimeSpan.FromMinutes(5)), movedOn.GetAwaiter().GetResult());
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(15), $"Virtual deadlines took {started.Elapsed} of real time.");
    });

    [Fact]
    public void A_host_work_items_token_cancels_through_a_scope_inside_it_which_does_not_absorb_it() => Guard.Run(() =>
    {
        using var host = new LoopThread(new VirtualClock { AutoJump = false });
        using var cts = new CancellationTokenSource();
        var scope = CancelScope.AfterDelay(TimeSpan.FromHours(1));
        using var entered = new ManualResetEventSlim();
        var work = host.Submit(async _ =>
        {
            await scope.RunAsync(async _ =>
            {
                entered.Set();
                await EventLoop.Sleep(Forever);
            });
        }, cts.Token);
        Assert.True(entered.Wait(TimeSpan.FromSeconds(10)));
        cts.Cancel();
        var e = Assert.ThrowsAny<OperationCanceledException>(() => work.GetAwaiter().GetResult());
        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.True(work.IsCanceled);
        Assert.False(scope.CancelledCaught);
    });

    [Fact]
    public void Managers_created_in_a_scope_nest_under_it_down_to_the_grandchildren_and_their_cancellation_names_the_scope() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        await using var helper = new TaskManager(loop);
        var scope = new CancelScope();
        At(helper, S(2), () => scope.Cancel("enough"));
        await scope.RunAsync(async _ =>
        {
            await using (var tm = new TaskManager(loop))
            {
                tm.Spawn(async () =>
                {
                    await using var nested = new TaskManager(loop);
                    nested.Spawn(async () =>
                    {
                        try { await EventLoop.Sleep(Forever); }
                        catch (OperationCanceledException e) { log.Add("grandchild: " + e.Message); throw; }
                    });
                });
            }
            log.Add("join returned");
            await EventLoop.Yield(); // the body's own next checkpoint
        });
        Assert.Equal(["2s grandchild: The cancel scope was cancelled: enough", "2s join returned"], log.Entries);
        Assert.True(scope.CancelledCaught);
    });

    [Fact]
    public void A_scope_with_a_deadline_is_the_effective_deadline_of_children_of_managers_created_in_it() => Virtual.Run(async loop =>
    {
        var seen = TimeSpan.Zero;
        await CancelScope.AfterDelay(S(7)).RunAsync(async _ =>
        {
            await using var tm = new TaskManager(loop);
            tm.CancelScope.Deadline = S(9);
            tm.Spawn(async () => seen = EventLoop.CurrentEffectiveDeadline);
        });
        Assert.Equal(S(7), seen);
    });

    [Fact]
    public void A_scope_inside_a_shielded_scope_keeps_its_own_deadline_and_Cancel_while_the_outer_cancellation_waits_outside() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        var outer = new CancelScope();
        await outer.RunAsync(async _ =>
        {
            outer.Cancel("outer");
            await CancelScope.Shielded(async _ =>
            {
                var inner = CancelScope.AfterDelay(S(2));
                await inner.RunAsync(async _ =>
                {
                    log.Add($"inner effective deadline {EventLoop.CurrentEffectiveDeadline.TotalSeconds}s");
                    await EventLoop.Sleep(Forever);
                });
                log.Add($"inner timed out: {inner.CancelledCaught}");
                var cancelled = new CancelScope();
                await cancelled.RunAsync(async _ => { cancelled.Cancel(); await EventLoop.Yield(); });
                log.Add($"inner cancelled: {cancelled.CancelledCaught}");
            });
            try { await EventLoop.Yield(); }
            catch (OperationCanceledException e) { log.Add("after the shield: " + e.Message); throw; }
        });
        Assert.Equal(
            ["0s inner effective deadline 2s", "2s inner timed out: True", "2s inner cancelled: True", "2s after the shield: The cancel scope was cancelled: outer"],
            log.Entries);
        Assert.True(outer.CancelledCaught);
    });

    [Fact]
    public void A_child_spawned_from_a_scope_body_into_an_outer_manager_belongs_to_the_manager_not_to_the_scope() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        await using var tm = new TaskManager(loop);
        ChildTask<string> child = null!;
        var scope = CancelScope.AfterDelay(S(1));
        await scope.RunAsync(async _ =>
        {
            child = tm.Spawn(async ct =>
            {
                log.Add($"child's effective deadline {(EventLoop.CurrentEffectiveDeadline == TimeSpan.MaxValue ? "none" : "set")}");
                await EventLoop.Sleep(S(5));
                log.Add($"child done, token {ct.IsCancellationRequested}");
                return "outer child";
            });
            await EventLoop.Sleep(Forever);
        });
        log.Add($"scope left (timed out: {scope.CancelledCaught}), child {child.Status}");
        await tm.DisposeAsync();

        Assert.Equal(
            ["0s child's effective deadline none", "1s scope left (timed out: True), child Running", "5s child done, token False"],
            log.Entries);
        Assert.Equal("outer child", child.Result);
    });

    [Fact]
    public void A_scope_entered_in_a_child_that_is_cancelled_lets_the_childs_cancellation_through() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        await using var tm = new TaskManager(loop);
        var scope = CancelScope.AfterDelay(S(10));
        var child = tm.Spawn(async () =>
        {
            try { await scope.RunAsync(_ => EventLoop.Sleep(Forever)); }
            catch (OperationCanceledException e) { log.Add("scope let through: " + e.Message); throw; }
        });
        await EventLoop.Sleep(S(1));
        child.Cancel();
        await tm.DisposeAsync();
        Assert.Equal(ChildTaskStatus.Cancelled, child.Status);
        Assert.False(scope.CancelledCaught);
        Assert.Single(log.Entries);
        Assert.StartsWith("1s scope let through: ", log.Entries[0]);
    });

    [Fact]
    public void A_managers_deadline_moved_while_its_children_run_times_the_nursery_by_the_new_deadline() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        await using var helper = new TaskManager(loop);
        var tm = new TaskManager(loop);
        tm.CancelScope.Deadline = S(5);
        At(helper, S(2), () => tm.CancelScope.Deadline = S(8));
        tm.Spawn(async () =>
        {
            try { await EventLoop.Sleep(Forever); }
            catch (OperationCanceledException e) { log.Add("child: " + e.Message); throw; }
        });
        await tm.DisposeAsync();
        log.Add("joined");
        Assert.Equal([$"8s child: TaskManager #{tm.Id} was cancelled: its deadline 00:00:08 passed.", "8s joined"], log.Entries);
        Assert.True(tm.CancelScope.CancelledCaught);
        Assert.Equal("deadline 00:00:08 passed", tm.CancelScope.CancelReason);
    });
}
