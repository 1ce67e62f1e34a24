namespace Nursery.Tests.Nursery;

/// <summary>Cancel() of a manager and of one child; cancellation alone is never an error.</summary>
public class CancelTests
{
    [Fact]
    public void Cancel_ManagerWithRunningChildren_EndsThemCancelledAndTheJoinReturnsNormally() => Virtual.Run(async loop =>
    {
        var tm = new TaskManager(loop);
        var a = tm.Spawn(() => EventLoop.Sleep(S(10)));
        var b = tm.Spawn(async ct => { await Task.Delay(S(10), loop.TimeProvider, ct); return 1; });
        await EventLoop.Sleep(S(1));
        tm.Cancel();

        Assert.True(tm.IsCancellationRequested);
        await tm.DisposeAsync();
        Assert.Equal(ChildTaskStatus.Cancelled, a.Status);
        Assert.Equal(ChildTaskStatus.Cancelled, b.Status);
        Assert.Empty(tm.Values);
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void Cancel_ManagerWithScheduledChildren_TheyNeverRunAndTimeDoesNotJump() => Virtual.Run(async loop =>
    {
        var ran = false;
        var tm = new TaskManager(loop);
        var scheduled = tm.Schedule(async () => ran = true, TimeSpan.FromHours(1));
        var spawned = tm.Spawn(async () => ran = true);
        tm.Cancel();
        await tm.DisposeAsync();

        Assert.False(ran);
        Assert.Equal(ChildTaskStatus.Cancelled, scheduled.Status);
        Assert.Equal(ChildTaskStatus.Cancelled, spawned.Status);
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });

    [Fact]
    public void Cancel_OneChild_OnlyThatChildEnds() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var victim = tm.Spawn(async () => { await EventLoop.Sleep(S(5)); return "victim"; });
        var sibling = tm.Spawn(async () => { await EventLoop.Sleep(S(5)); return "sibling"; });
        await EventLoop.Sleep(S(1));
        victim.Cancel();
        await tm.DisposeAsync();

        Assert.Equal(ChildTaskStatus.Cancelled, victim.Status);
        Assert.Equal("sibling", sibling.Result);
        Assert.False(tm.IsCancellationRequested);
        Assert.False(tm.Token.IsCancellationRequested);
        Assert.Equal(S(5), loop.Now);
    });

    [Fact]
    public void Cancel_SpawnedChildBeforeItsFirstTurn_NeverRunsItsBodyAndEndsCancelled() => Virtual.Run(async loop =>
    {
        var ran = false;
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async ct => { ran = true; });
        child.Cancel();
        Assert.NotEqual(ChildTaskStatus.Running, child.Status); // at once or on its turn: not specified
        await EventLoop.Yield();
        Assert.Equal(ChildTaskStatus.Cancelled, child.Status);
        Assert.False(ran);
    });

    [Fact]
    public void Cancel_ScheduledChildBeforeItsDelay_NeverRunsItsBody() => Virtual.Run(async loop =>
    {
        var ran = false;
        await using var tm = new TaskManager(loop);
        var child = tm.Schedule(async () => ran = true, S(2));
        await EventLoop.Sleep(S(1));
        child.Cancel();
        await tm.DisposeAsync();
        Assert.False(ran);
        Assert.Equal(ChildTaskStatus.Cancelled, child.Status);
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void Cancel_ChildThatHasEnded_ChangesNothing() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async () => 1);
        await child.Completion;
        child.Cancel();
        tm.Cancel();
        Assert.Equal(ChildTaskStatus.Completed, child.Status);
        Assert.Equal(1, tm.Values[child]);
    });

    [Fact]
    public void Cancel_ManagerTwiceAndAfterItsJoin_DoesNothing() => Virtual.Run(async loop =>
    {
        var tm = new TaskManager(loop);
        tm.Spawn(async () => 1);
        await tm.DisposeAsync();
        tm.Cancel();
        tm.Cancel();
        // Contract section 10: on a joined manager Cancel does nothing (there is nothing left to cancel).
        Assert.False(tm.IsCancellationRequested);
        Assert.False(tm.Token.IsCancellationRequested);
        Assert.Single(tm.Values);
    });

    [Fact]
    public void Spawn_IntoACancelledManager_StartsCancelledAndNeverRuns() => Virtual.Run(async loop =>
    {
        var ran = new List<string>();
        var tm = new TaskManager(loop);
        tm.Cancel();
        var spawned = tm.Spawn(async () => ran.Add("spawned"));
        var scheduled = tm.Schedule(async () => ran.Add("scheduled"), S(1));
        await tm.DisposeAsync();

        Assert.Empty(ran);
        Assert.Equal(ChildTaskStatus.Cancelled, spawned.Status);
        Assert.Equal(ChildTaskStatus.Cancelled, scheduled.Status);
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });

    [Fact]
    public void Cancel_ChildFromInsideItsOwnBody_ItsNextCheckpointThrows() => Virtual.Run(async loop =>
    {
        var log = new List<string>();
        await using var tm = new TaskManager(loop);
        ChildTask? self = null;
        self = tm.Spawn(async () =>
        {
            self!.Cancel();
            log.Add("still running after Cancel");
            await EventLoop.Sleep(S(1));
            log.Add("not reached");
        });
        await tm.DisposeAsync();
        Assert.Equal(["still running after Cancel"], log);
        Assert.Equal(ChildTaskStatus.Cancelled, self.Status);
    });

    [Fact]
    public void Cancel_ManagerFromInsideAChild_CancelsThatChildAndItsSiblings() => Virtual.Run(async loop =>
    {
        var tm = new TaskManager(loop);
        var sibling = tm.Spawn(() => EventLoop.Sleep(S(10)));
        var canceller = tm.Spawn(async () =>
        {
            await EventLoop.Sleep(S(1));
            tm.Cancel();
            await EventLoop.Yield();
        });
        await tm.DisposeAsync();
        Assert.Equal(ChildTaskStatus.Cancelled, sibling.Status);
        Assert.Equal(ChildTaskStatus.Cancelled, canceller.Status);
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void Cancel_PendingSleepOfAChild_EndsItAtOnceNotAtItsDeadline() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async () =>
        {
            try { await EventLoop.Sleep(TimeSpan.FromHours(1)); }
            catch (OperationCanceledException) { log.Add("sleep interrupted"); throw; }
        });
        await EventLoop.Sleep(S(2));
        child.Cancel();
        await tm.DisposeAsync();
        Assert.Equal(["2s sleep interrupted"], log.Entries);
    });

    [Fact]
    public void Cancel_AfterTheJoin_DoesNothing() => Virtual.Run(async loop =>
    {
        var tm = new TaskManager(loop);
        tm.Spawn(() => EventLoop.Sleep(S(1)));
        await tm.DisposeAsync();
        tm.Cancel();
        Assert.False(tm.IsCancellationRequested);
        Assert.False(tm.Token.IsCancellationRequested);
    });

    [Fact]
    public void Cancel_OfAManagerWithADeadline_DisarmsItsTimerAtOnce() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        tm.CancelScope.Deadline = S(10);
        var child = tm.Spawn(() => EventLoop.Sleep(S(20)));
        await EventLoop.Sleep(S(1));
        tm.Cancel();
        Assert.Equal(0, loop.Timers.Count); // neither the child's sleep nor the deadline is left to jump the clock to
        await tm.DisposeAsync();
        Assert.Equal(ChildTaskStatus.Cancelled, child.Status);
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void OutsideToken_FiringAfterCancel_TheJoinStillSaysSo_AndTheChildrenKeepTheFirstCause() => Virtual.Run(async loop =>
    {
        // Contract section 10: a token that fires while the manager is open, even one already cancelled otherwise,
        // makes the join throw an OperationCanceledException carrying it.
        using var cts = new CancellationTokenSource();
        var tm = new TaskManager(loop, cts.Token);
        string? seen = null;
        var child = tm.Spawn(async () =>
        {
            try { await EventLoop.Sleep(S(10)); }
            catch (OperationCanceledException e) { seen = e.Message; throw; }
        });
        await loop.RunCurrentAsync();
        tm.Cancel();
        cts.Cancel();
        var e = await Catch.ExactlyAsync<OperationCanceledException>(() => tm.DisposeAsync().AsTask());
        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.Equal(ChildTaskStatus.Cancelled, child.Status);
        Assert.Equal($"TaskManager #{tm.Id} was cancelled by TaskManager.Cancel().", seen);
    });

    [Fact]
    public void CurrentEffectiveDeadline_InAChildOfAManagerWithADeadline_IsThatDeadline() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        tm.CancelScope.Deadline = S(5);
        var child = tm.Spawn(async () => EventLoop.CurrentEffectiveDeadline);
        await tm.DisposeAsync();
        Assert.Equal(S(5), child.Result);
    });

    [Fact]
    public void CancellationException_OfAChildThatNeverAskedForItsToken_CarriesACancelledTokenNamingTheRightSource() => Virtual.Run(async loop =>
    {
        // The exception a checkpoint throws carries a cancelled token even when the child never read its own: the
        // manager's token when the manager was cancelled, and a cancelled token of no source when only the child was.
        CancellationToken alone = default, withManager = default;
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async () =>
        {
            try { await EventLoop.Sleep(S(10)); }
            catch (OperationCanceledException e) { alone = e.CancellationToken; throw; }
        });
        await loop.RunCurrentAsync();
        child.Cancel();
        await tm.DisposeAsync();

        var cancelled = new TaskManager(loop);
        cancelled.Spawn(async () =>
        {
            try { await EventLoop.Sleep(S(10)); }
            catch (OperationCanceledException e) { withManager = e.CancellationToken; throw; }
        });
        await loop.RunCurrentAsync();
        cancelled.Cancel();
        await cancelled.DisposeAsync();

        Assert.True(alone.IsCancellationRequested);
        Assert.NotEqual(tm.Token, alone);
        Assert.Equal(cancelled.Token, withManager);
    });
}
