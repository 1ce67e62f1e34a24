namespace Nursery.Tests.Nursery;

/// <summary>
/// <see cref="TaskManager.StartAsync{T}"/> (contract section 6, Trio's <c>nursery.start</c>): the body runs as a child
/// that belongs to the code awaiting StartAsync until it calls Started, and to the manager from then on.
/// </summary>
public class StartAsyncTests
{
    [Fact]
    public void StartAsync_ReturnsTheValuePassedToStarted_AndTheChildRunsOnAsAnOrdinaryChild() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var port = await tm.StartAsync<int>(async (signal, ct) =>
        {
            await EventLoop.Sleep(S(1));
            signal.Started(8080);
            await EventLoop.Sleep(S(2));
        });

        Assert.Equal(8080, port);
        Assert.Equal(S(1), loop.Now);
        var server = Assert.Single(tm.Children); // listed from Started on
        Assert.Equal(ChildTaskStatus.Running, server.Status);
        await tm.DisposeAsync(); // the join waits for it like any child
        Assert.Equal(ChildTaskStatus.Completed, server.Status);
        Assert.Equal(S(3), loop.Now);
    });

    [Fact]
    public void StartAsync_WithoutAValue_CompletesWhenTheBodyCallsStarted() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        await tm.StartAsync(async (signal, ct) =>
        {
            await EventLoop.Sleep(S(1));
            signal.Started();
            await EventLoop.Sleep(S(1));
        });
        Assert.Equal(S(1), loop.Now);
        await tm.DisposeAsync();
        Assert.Equal(S(2), loop.Now);
    });

    [Fact]
    public void StartAsync_CallerCancelledBeforeStarted_CancelsTheBodyAndLeavesTheManagerAlone() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        await using var servers = new TaskManager(loop);
        await using var callers = new TaskManager(loop);
        var caller = callers.Spawn(async () => await servers.StartAsync(async (signal, ct) =>
        {
            try { await EventLoop.Sleep(S(5)); }
            catch (OperationCanceledException) { log.Add("starting body cancelled"); throw; }
            signal.Started();
        }));
        await EventLoop.Sleep(S(1));
        caller.Cancel();
        await callers.DisposeAsync();

        Assert.Equal(ChildTaskStatus.Cancelled, caller.Status);
        Assert.Equal(["1s starting body cancelled"], log.Entries);
        Assert.False(servers.IsCancellationRequested);
        Assert.Empty(servers.Children);
        await servers.DisposeAsync(); // nothing failed, nothing left to wait for
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void StartAsync_CallerCancelledAfterStarted_DoesNotReachTheStartedChild() => Virtual.Run(async loop =>
    {
        await using var servers = new TaskManager(loop);
        await using var callers = new TaskManager(loop);
        var caller = callers.Spawn(async () =>
        {
            await servers.StartAsync(async (signal, ct) =>
            {
                signal.Started();
                await EventLoop.Sleep(S(5));
            });
            await EventLoop.Sleep(S(10));
        });
        await EventLoop.Sleep(S(1));
        caller.Cancel();
        await callers.DisposeAsync();

        var server = Assert.Single(servers.Children);
        Assert.Equal(ChildTaskStatus.Running, server.Status); // it belongs to the manager now, not to the caller
        await servers.DisposeAsync();
        Assert.Equal(ChildTaskStatus.Completed, server.Status);
        Assert.Equal(S(5), loop.Now);
    });

    [Fact]
    public void StartAsync_ManagerCancelledWhileAStartIsPending_CancelsTheChildOnlyOnceItHasStarted() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        await using var tm = new TaskManager(loop);
        var start = tm.StartAsync(async (signal, ct) =>
        {
            await EventLoop.Sleep(S(2)); // under the caller's cancellation: the manager's does not reach it yet
            log.Add("ready");
            signal.Started();
            try { await EventLoop.Sleep(S(5)); }
            catch (OperationCanceledException) { log.Add("cancelled"); throw; }
        });
        await EventLoop.Sleep(S(1));
        tm.Cancel();
        await start;
        await tm.DisposeAsync();

        Assert.Equal(["2s ready", "2s cancelled"], log.Entries);
        Assert.Equal(ChildTaskStatus.Cancelled, Assert.Single(tm.Children).Status);
    });

    [Fact]
    public void StartAsync_BodyFailsBeforeStarted_ThrowsFromStartAsyncAndIsNotAFailureOfTheManager() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var boom = new Boom("bind");
        var e = await Catch.ExactlyAsync<Boom>(() => tm.StartAsync(async (signal, ct) =>
        {
            await EventLoop.Yield();
            throw boom;
        }));
        Assert.Same(boom, e);
        await tm.DisposeAsync(); // joins without a failure
        Assert.Empty(tm.Failures);
    });

    [Fact]
    public void StartAsync_BodyReturnsWithoutCallingStarted_ThrowsInvalidOperationException() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        ChildTask? child = null;
        var e = await Catch.ExactlyAsync<InvalidOperationException>(() => tm.StartAsync(async (signal, ct) =>
        {
            child = LoopSynchronizationContext.CurrentChild;
            await EventLoop.Yield();
        }));
        Assert.Equal(
            $"Child {child!.Label} returned without calling Started: StartAsync has nothing to hand over. Call the signal's " +
            "Started once the child is ready (e.g. listening), then keep running; or use Spawn for a child that needs no handshake.",
            e.Message);
        Assert.Empty(tm.Children);
    });

    [Fact]
    public void Started_CalledTwice_ThrowsInvalidOperationException() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        Exception? second = null;
        await tm.StartAsync<int>(async (signal, ct) =>
        {
            signal.Started(1);
            second = Record.Exception(() => signal.Started(2));
        });
        var e = Assert.IsType<InvalidOperationException>(second);
        Assert.Equal("Started was already called for this child: a child signals that it is ready once.", e.Message);
    });

    [Fact]
    public void Started_AfterTheChildEnded_ThrowsInvalidOperationException() => Virtual.Run(async loop =>
    {
        // A signal kept past the end of its child (here: the child failed, and the signal escaped it).
        await using var tm = new TaskManager(loop);
        StartSignal? kept = null;
        ChildTask? child = null;
        await Catch.ExactlyAsync<Boom>(() => tm.StartAsync(async (signal, ct) =>
        {
            kept = signal;
            child = LoopSynchronizationContext.CurrentChild;
            await EventLoop.Yield();
            throw new Boom("before ready");
        }));
        var e = Assert.Throws<InvalidOperationException>(kept!.Started);
        Assert.Equal($"Child {child!.Label} has already ended: Started has nothing left to start.", e.Message);
        Assert.Empty(tm.Children);
    });

    [Fact]
    public void Started_FromAnotherThread_ThrowsInvalidOperationException() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        Exception? offLoop = null;
        await tm.StartAsync(async (signal, ct) =>
        {
            AnotherThread.Run(() => offLoop = Record.Exception(signal.Started)); // the loop thread waits for it
            signal.Started(); // still possible on the loop: nothing changed
        });
        Assert.IsType<InvalidOperationException>(offLoop);
    });

    [Fact]
    public void StartAsync_StartedBeforeTheReadyTimeout_TheTimeoutNeverFires() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        await tm.StartAsync(async (signal, ct) =>
        {
            await EventLoop.Sleep(S(1));
            signal.Started();
            await EventLoop.Sleep(S(10)); // well past the ready timeout
        }, readyTimeout: S(3));
        var server = Assert.Single(tm.Children);
        await tm.DisposeAsync();
        Assert.Equal(ChildTaskStatus.Completed, server.Status);
        Assert.Equal(S(11), loop.Now);
        Assert.Equal(0, loop.Timers.Count);
    });

    [Fact]
    public void StartAsync_ReadyTimeoutPassesFirst_TheChildHasEndedCancelledBeforeTimeoutException() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        ChildTask? starting = null;
        var e = await Catch.ExactlyAsync<TimeoutException>(() => tm.StartAsync(async (signal, ct) =>
        {
            starting = LoopSynchronizationContext.CurrentChild;
            await EventLoop.Sleep(S(10));
            signal.Started();
        }, readyTimeout: S(3)));
        Assert.Equal($"The child did not call Started within the readyTimeout of {S(3)}; it was cancelled and has ended.", e.Message);
        Assert.IsAssignableFrom<OperationCanceledException>(e.InnerException);
        Assert.Equal(S(3), loop.Now);
        Assert.Equal(ChildTaskStatus.Cancelled, starting!.Status);
        Assert.Empty(tm.Children);
    });

    [Fact]
    public void StartAsync_PendingStart_KeepsTheManagerOpen() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        var tm = new TaskManager(loop);
        var start = tm.StartAsync(async (signal, ct) =>
        {
            await EventLoop.Sleep(S(1));
            signal.Started();
            await EventLoop.Sleep(S(1));
            log.Add("server done");
        });
        await tm.DisposeAsync(); // the join waits for the start, then for the started child
        log.Add("joined");
        await start;
        Assert.Equal(["2s server done", "2s joined"], log.Entries);
    });

    [Fact]
    public void StartAsync_InvalidArguments_ThrowBeforeAnythingRuns() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        Assert.Equal("body", Catch.Synchronously<ArgumentNullException>(() => tm.StartAsync((Func<StartSignal, CancellationToken, Task>)null!)).ParamName);
        Assert.Equal("body", Catch.Synchronously<ArgumentNullException>(() => tm.StartAsync((Func<StartSignal<int>, CancellationToken, Task>)null!)).ParamName);
        var ran = false;
        var negative = Catch.Synchronously<ArgumentOutOfRangeException>(() => tm.StartAsync(async (signal, ct) => ran = true, S(-1)));
        Assert.Equal("readyTimeout", negative.ParamName);
        var negativeTyped = Catch.Synchronously<ArgumentOutOfRangeException>(() => tm.StartAsync<int>(async (signal, ct) => ran = true, S(-1)));
        Assert.Equal("readyTimeout", negativeTyped.ParamName);
        await EventLoop.Yield();
        Assert.False(ran);
        Assert.Empty(tm.Children);
    });

    [Fact]
    public void StartAsync_OnACancelledManager_ThrowsOperationCanceledExceptionWithoutRunningTheBody() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop, new TaskManagerOptions { Name = "servers" });
        tm.Cancel();
        var ran = false;
        var e = Catch.Synchronously<OperationCanceledException>(() => tm.StartAsync(async (signal, ct) => ran = true));
        var typed = Catch.Synchronously<OperationCanceledException>(() => tm.StartAsync<int>(async (signal, ct) => ran = true));
        await EventLoop.Yield();
        Assert.False(ran);
        Assert.StartsWith($"{tm.Subject} has been cancelled, so StartAsync does not start a child in it. ", e.Message, StringComparison.Ordinal);
        Assert.Contains("TaskManager.Cancel()", e.Message, StringComparison.Ordinal); // and why it was cancelled
        Assert.Equal(tm.Token, e.CancellationToken);
        Assert.Equal(e.Message, typed.Message);
        Assert.Empty(tm.Children);
    });

    [Fact]
    public void StartAsync_OnAJoinedManager_ThrowsInvalidOperationExceptionWithoutRunningTheBody() => Virtual.Run(async loop =>
    {
        var tm = new TaskManager(loop);
        await tm.DisposeAsync();
        var ran = false;
        var e = Catch.Synchronously<InvalidOperationException>(() => tm.StartAsync(async (signal, ct) => ran = true));
        Catch.Synchronously<InvalidOperationException>(() => tm.StartAsync<int>(async (signal, ct) => ran = true));
        await EventLoop.Yield();
        Assert.False(ran);
        Assert.Contains("is closed", e.Message, StringComparison.Ordinal);
    });

    [Fact]
    public void StartAsync_FromAnotherThreadWhileTheLoopRuns_ThrowsInvalidOperationException() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        Exception? e = null, typed = null;
        AnotherThread.Run(() =>
        {
            e = Record.Exception(() => { _ = tm.StartAsync(async (signal, ct) => { }); });
            typed = Record.Exception(() => { _ = tm.StartAsync<int>(async (signal, ct) => { }); });
        }); // the loop thread waits for it
        Assert.IsType<InvalidOperationException>(e);
        Assert.IsType<InvalidOperationException>(typed);
        Assert.Empty(tm.Children);
    });
}
