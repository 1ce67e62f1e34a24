namespace Nursery.Tests.Nursery;

/// <summary>Sleep and Yield are checkpoints of the current child; cancellation is level-triggered.</summary>
public class CheckpointTests
{
    [Fact]
    public void Checkpoints_AfterCancellation_EveryLaterSleepAndYieldThrows() => Virtual.Run(async loop =>
    {
        var outcomes = new List<string>();
        async Task Try(string name, Func<Task> checkpoint)
        {
            try
            {
                await checkpoint();
                outcomes.Add($"{name}: passed");
            }
            catch (OperationCanceledException)
            {
                outcomes.Add($"{name}: cancelled");
            }
        }

        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async () =>
        {
            await Try("sleep before cancel", () => EventLoop.Sleep(S(1)));
            await Try("pending sleep", () => EventLoop.Sleep(S(5)));
            await Try("sleep", () => EventLoop.Sleep(S(1)));
            await Try("sleep again", () => EventLoop.Sleep(S(1)));
            await Try("zero sleep", () => EventLoop.Sleep(TimeSpan.Zero));
            await Try("yield", () => EventLoop.Yield());
            await Try("yield again", () => EventLoop.Yield());
            using var unrelated = new CancellationTokenSource();
            await Try("sleep with an unrelated token", () => EventLoop.Sleep(S(1), unrelated.Token));
            return "done";
        });
        await EventLoop.Sleep(S(2));
        child.Cancel();
        await tm.DisposeAsync();

        Assert.Equal(
            ["sleep before cancel: passed", "pending sleep: cancelled", "sleep: cancelled", "sleep again: cancelled",
             "zero sleep: cancelled", "yield: cancelled", "yield again: cancelled", "sleep with an unrelated token: cancelled"],
            outcomes);
        Assert.Equal(ChildTaskStatus.Completed, child.Status); // it caught every cancellation and returned
        Assert.Equal(S(2), loop.Now);
    });

    [Fact]
    public void Checkpoint_WithoutAToken_ObservesTheManagersCancellation() => Virtual.Run(async loop =>
    {
        var tm = new TaskManager(loop);
        var child = tm.Spawn(async () => { while (true) await EventLoop.Yield(); });
        await EventLoop.Yield();
        tm.Cancel();
        await tm.DisposeAsync();
        Assert.Equal(ChildTaskStatus.Cancelled, child.Status);
    });

    [Fact]
    public void Checkpoint_AfterCancellation_OtherAwaitsStillWorkForCleanup() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async () =>
        {
            try { await EventLoop.Sleep(S(10)); }
            finally
            {
                await Task.Delay(S(1), loop.TimeProvider);
                await Task.Run(() => { });
                log.Add("cleanup done");
            }
        });
        await loop.RunCurrentAsync();
        child.Cancel();
        await tm.DisposeAsync();
        Assert.Equal(["1s cleanup done"], log.Entries);
        Assert.Equal(ChildTaskStatus.Cancelled, child.Status);
    });

    [Fact]
    public void Checkpoint_InAGrandchildOfACancelledChild_Throws() => Virtual.Run(async loop =>
    {
        var log = new List<string>();
        await using var tm = new TaskManager(loop);
        var owner = tm.Spawn(async () =>
        {
            await using var inner = new TaskManager(loop);
            inner.Spawn(async () =>
            {
                try { await EventLoop.Sleep(S(10)); }
                catch (OperationCanceledException) { log.Add("grandchild sleep cancelled"); }
                try { await EventLoop.Yield(); }
                catch (OperationCanceledException) { log.Add("grandchild yield cancelled"); }
            });
        });
        await EventLoop.Sleep(S(1));
        owner.Cancel();
        await tm.DisposeAsync();
        Assert.Equal(["grandchild sleep cancelled", "grandchild yield cancelled"], log);
    });

    [Fact]
    public void Checkpoint_InASiblingOfACancelledChild_DoesNotThrow() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var victim = tm.Spawn(() => EventLoop.Sleep(S(10)));
        var sibling = tm.Spawn(async () =>
        {
            await EventLoop.Yield();
            victim.Cancel();
            await EventLoop.Yield();
            await EventLoop.Sleep(S(1));
            return "unaffected";
        });
        await tm.DisposeAsync();
        Assert.Equal("unaffected", sibling.Result);
        Assert.Equal(ChildTaskStatus.Cancelled, victim.Status);
    });
}
