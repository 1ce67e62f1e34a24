using static Nursery.Tests.Scopes.Scenes;

namespace Nursery.Tests.Scopes;

/// <summary>
/// Every <see cref="OperationCanceledException"/> raised at a checkpoint names its cause (issue 8, item 3): a scope's
/// deadline with its time, <c>Cancel(reason)</c>, a manager's own cancellation or deadline, an outside token, the failing
/// sibling with its id, name and exception type, a failed RunAsync body; and DumpTree shows why a child was cancelled.
/// </summary>
public class CancelReasonTests
{
    private static async Task<string> MessageAt(Func<Task> checkpoint)
    {
        var e = await Catch.AnyAsync<OperationCanceledException>(checkpoint);
        Assert.IsType<TaskCanceledException>(e); // as when checkpoints were plain tasks
        return e.Message;
    }

    [Fact]
    public void A_scope_deadline_names_its_time() => Virtual.Run(async loop =>
    {
        string? message = null;
        await CancelScope.AfterDelay(S(5)).RunAsync(async _ => message = await MessageAt(() => EventLoop.Sleep(Forever)));
        Assert.Equal("The cancel scope was cancelled: its deadline 00:00:05 passed.", message);
    });

    [Fact]
    public void Cancel_with_a_reason_names_it_and_without_one_names_the_call() => Virtual.Run(async loop =>
    {
        var messages = new List<string>();
        var withReason = new CancelScope();
        await withReason.RunAsync(async _ => { withReason.Cancel("user pressed stop"); messages.Add(await MessageAt(() => EventLoop.Yield())); });
        var without = new CancelScope();
        await without.RunAsync(async _ => { without.Cancel(); messages.Add(await MessageAt(() => EventLoop.Yield())); });
        Assert.Equal(["The cancel scope was cancelled: user pressed stop", "The cancel scope was cancelled by CancelScope.Cancel()."], messages);
        Assert.Null(without.CancelReason);
    });

    [Fact]
    public void An_inner_scope_reached_by_an_outer_cancellation_reports_the_outer_cause() => Virtual.Run(async loop =>
    {
        string? message = null;
        await CancelScope.AfterDelay(S(2)).RunAsync(_ => CancelScope.AfterDelay(S(9)).RunAsync(async _ =>
            message = await MessageAt(() => EventLoop.Sleep(Forever))));
        Assert.Equal("The cancel scope was cancelled: its deadline 00:00:02 passed.", message);
    });

    [Fact]
    public void A_managers_Cancel_its_scopes_Cancel_and_its_deadline_name_the_manager() => Virtual.Run(async loop =>
    {
        var messages = new List<string>();
        var ids = new List<int>();
        foreach (var how in new Action<TaskManager>[] { tm => tm.Cancel(), tm => tm.CancelScope.Cancel("rebalancing"), tm => tm.CancelScope.Deadline = S(3) })
        {
            await using var tm = new TaskManager(loop);
            ids.Add(tm.Id);
            tm.Spawn(async () => messages.Add(await MessageAt(() => EventLoop.Sleep(Forever))));
            await loop.RunCurrentAsync(); // the child sleeps (a child cancelled before it starts never runs)
            how(tm);
        }
        Assert.Equal(
            [
                $"TaskManager #{ids[0]} was cancelled by TaskManager.Cancel().",
                $"TaskManager #{ids[1]} was cancelled: rebalancing",
                $"TaskManager #{ids[2]} was cancelled: its deadline 00:00:03 passed.",
            ],
            messages);
    });

    [Fact]
    public void An_outside_token_names_the_manager_it_was_given_to() => Virtual.Run(async loop =>
    {
        using var cts = new CancellationTokenSource();
        string? message = null;
        var tm = new TaskManager(loop, cts.Token);
        tm.Spawn(async () => message = await MessageAt(() => EventLoop.Sleep(Forever)));
        await loop.RunCurrentAsync(); // the child sleeps (a child cancelled before it starts never runs)
        cts.Cancel(); // on the loop thread: its callbacks run here, before the virtual clock could jump to the sleep's end
        await Catch.AnyAsync<OperationCanceledException>(() => tm.DisposeAsync().AsTask());
        Assert.Equal($"TaskManager #{tm.Id} was cancelled because the CancellationToken passed to it was cancelled.", message);
    });

    [Fact]
    public void A_failing_sibling_is_named_with_its_id_its_name_and_its_exception() => Virtual.Run(async loop =>
    {
        var messages = new List<string>();
        ChildTask named = null!;
        await Catch.ExactlyAsync<InvalidOperationException>(async () =>
        {
            await using var tm = new TaskManager(loop);
            tm.Spawn(async () => messages.Add(await MessageAt(() => EventLoop.Sleep(Forever))));
            named = tm.Spawn(async () => { await EventLoop.Sleep(S(1)); throw new InvalidOperationException("fetch b broke"); }, "fetch b");
        });
        ChildTask unnamed = null!;
        await Catch.ExactlyAsync<FormatException>(async () =>
        {
            await using var tm = new TaskManager(loop);
            tm.Spawn(async () => messages.Add(await MessageAt(() => EventLoop.Sleep(Forever))));
            unnamed = tm.Spawn(async () => { await EventLoop.Sleep(S(1)); throw new FormatException("bad input"); });
        });
        Assert.Equal(
            [
                $"Cancelled because sibling #{named.Id} 'fetch b' failed: InvalidOperationException: fetch b broke",
                $"Cancelled because sibling #{unnamed.Id} failed: FormatException: bad input",
            ],
            messages);
    });

    [Fact]
    public void A_failing_RunAsync_body_is_named_as_the_cause_of_its_childrens_cancellation() => Virtual.Run(async loop =>
    {
        string? message = null;
        await Catch.ExactlyAsync<ArgumentException>(() => TaskManager.RunAsync(async tm =>
        {
            tm.Spawn(async () => message = await MessageAt(() => EventLoop.Sleep(Forever)));
            await EventLoop.Yield();
            throw new ArgumentException("bad body");
        }));
        Assert.NotNull(message);
        Assert.Contains("was cancelled because its RunAsync body failed: ArgumentException: bad body", message);
    });

    [Fact]
    public void FailAfter_names_the_deadline_in_the_TimeoutException_and_its_inner_cancellation() => Virtual.Run(async loop =>
    {
        var e = await Catch.ExactlyAsync<TimeoutException>(() => CancelScope.FailAfter(S(4), _ => EventLoop.Sleep(Forever)));
        Assert.Equal("The operation did not finish before its deadline (deadline 00:00:04 passed); it was cancelled and has ended.", e.Message);
        Assert.Equal("The cancel scope was cancelled: its deadline 00:00:04 passed.", e.InnerException!.Message);
    });

    [Fact]
    public void DumpTree_shows_why_a_cancelled_child_was_cancelled_and_the_scope_it_sits_in() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        tm.Spawn(async () =>
        {
            await CancelScope.AfterDelay(S(30)).RunAsync(async _ =>
            {
                try { await EventLoop.Sleep(Forever); }
                catch (OperationCanceledException) { await CancelScope.Shielded(_ => EventLoop.Sleep(S(5))); throw; }
            });
        }, "cleaner");
        tm.Spawn(async () => { await EventLoop.Sleep(S(1)); throw new InvalidOperationException("db down"); }, "db");
        await EventLoop.Sleep(S(2));
        var dump = tm.DumpTree();
        tm.Cancel(); // the join below would rethrow the failure; the dump is what this test is about
        await Catch.ExactlyAsync<InvalidOperationException>(() => tm.DisposeAsync().AsTask());

        Assert.Contains("cleaner: Running", dump);
        Assert.Contains("cancelled: Cancelled because sibling", dump);
        Assert.Contains("'db' failed: InvalidOperationException: db down", dump);
        Assert.Contains("cancel scope, deadline t=30.000s", dump);
        Assert.Contains("cancel scope (shielded)", dump);
    });

    [Fact]
    public void DumpTree_shows_the_reason_of_a_child_that_ended_cancelled() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var victim = tm.Spawn(() => EventLoop.Sleep(Forever), "victim");
        tm.Spawn(() => EventLoop.Sleep(Forever), "survivor");
        await EventLoop.Yield();
        tm.CancelScope.Deadline = S(1);
        await EventLoop.Sleep(S(2));
        var dump = tm.DumpTree();
        Assert.Equal(ChildTaskStatus.Cancelled, victim.Status);
        Assert.Contains($"#{victim.Id} victim: Cancelled, cancelled: TaskManager #{tm.Id} was cancelled: its deadline 00:00:01 passed.", dump);
    });
}
