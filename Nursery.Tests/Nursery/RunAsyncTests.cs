namespace Nursery.Tests.Nursery;

/// <summary>TaskManager.RunAsync: the body is part of the group.</summary>
public class RunAsyncTests
{
    [Fact]
    public void RunAsync_BodyReturnsBeforeItsChildren_JoinsThemAll() => Virtual.Run(async loop =>
    {
        TaskManager? manager = null;
        ChildTask<int>? child = null;
        await TaskManager.RunAsync(async tm =>
        {
            manager = tm;
            child = tm.Spawn(async () => { await EventLoop.Sleep(S(3)); return 3; });
            tm.Schedule(async () => { }, S(4));
        });
        Assert.Equal(S(4), loop.Now);
        Assert.Equal(3, child!.Result);
        Assert.Equal(2, manager!.Values.Count);
        Assert.Throws<InvalidOperationException>(() => manager.Spawn(async () => { })); // closed
    });

    [Fact]
    public void RunAsync_BodyFails_CancelsTheChildrenAndRethrowsTheSameObject() => Virtual.Run(async loop =>
    {
        var boom = new Boom("body");
        var ran = false;
        ChildTask? running = null, scheduled = null;
        var e = await Catch.ExceptionAsync(() => TaskManager.RunAsync(async tm =>
        {
            running = tm.Spawn(() => EventLoop.Sleep(S(10)));
            scheduled = tm.Schedule(async () => ran = true, S(5));
            await EventLoop.Sleep(S(1));
            throw boom;
        }));

        Assert.Same(boom, e);
        Assert.Equal(ChildTaskStatus.Cancelled, running!.Status);
        Assert.Equal(ChildTaskStatus.Cancelled, scheduled!.Status);
        Assert.False(ran);
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void RunAsync_BodyThrowsSynchronously_RethrowsTheSameObjectAndSpawnedChildrenNeverRun() => Virtual.Run(async loop =>
    {
        var boom = new Boom("sync");
        var ran = false;
        var e = await Catch.ExceptionAsync(() => TaskManager.RunAsync(tm =>
        {
            tm.Spawn(async () => ran = true);
            throw boom;
        }));
        Assert.Same(boom, e);
        Assert.False(ran);
    });

    [Fact]
    public void RunAsync_BodyReturnsNull_FailsWithInvalidOperationException() => Virtual.Run(async loop =>
    {
#pragma warning disable VSTHRD114 // Returning null instead of a task is the misuse under test.
        var e = await Catch.ExactlyAsync<InvalidOperationException>(() => TaskManager.RunAsync(tm => null!));
#pragma warning restore VSTHRD114
        Assert.Contains("returned null", e.Message, StringComparison.Ordinal);
    });

    [Fact]
    public void RunAsync_ChildFails_CancelsTheBodyAtItsNextCheckpointWhichIsNotAFailure() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        var boom = new Boom("child");
        var e = await Catch.ExceptionAsync(() => TaskManager.RunAsync(async tm =>
        {
            tm.Spawn(() => Failing.AfterAsync(S(1), boom));
            try
            {
                await EventLoop.Sleep(S(10));
            }
            catch (OperationCanceledException)
            {
                log.Add("body cancelled");
                throw;
            }
        }));
        Assert.Same(boom, e); // not an AggregateException with the body's OperationCanceledException
        Assert.Equal(["1s body cancelled"], log.Entries);
    });

    [Fact]
    public void RunAsync_BodyAndChildFail_ThrowsAggregateExceptionWithTheBodysFailureFirst() => Virtual.Run(async loop =>
    {
        var fromChild = new Boom("child, failed first");
        var fromBody = new Boom("body, failed second");
        var aggregate = await Catch.ExactlyAsync<AggregateException>(() => TaskManager.RunAsync(async tm =>
        {
            tm.Spawn(() => Failing.AfterAsync(S(1), fromChild));
            try { await EventLoop.Sleep(S(10)); }
            catch (OperationCanceledException) { throw fromBody; }
        }));
        Assert.Equal([fromBody, fromChild], aggregate.InnerExceptions);
    });

    [Fact]
    public void RunAsync_BodyFailsThenAChildFailsInItsFinally_ThrowsAggregateExceptionBodyFirst() => Virtual.Run(async loop =>
    {
        var fromBody = new Boom("body");
        var fromChild = new Boom("child finally");
        var aggregate = await Catch.ExactlyAsync<AggregateException>(() => TaskManager.RunAsync(async tm =>
        {
            tm.Spawn(async () =>
            {
                try { await EventLoop.Sleep(S(10)); }
                finally { throw fromChild; }
            });
            await EventLoop.Sleep(S(1));
            throw fromBody;
        }));
        Assert.Equal([fromBody, fromChild], aggregate.InnerExceptions);
    });

    [Fact]
    public void RunAsync_BodyAwaitsDisposeAsyncItself_OneFailureIsReportedOnce() => Virtual.Run(async loop =>
    {
        var boom = new Boom("child");
        var bodySaw = default(Exception);
        var e = await Catch.ExceptionAsync(() => TaskManager.RunAsync(async tm =>
        {
            tm.Spawn(() => Failing.AfterAsync(S(1), boom));
            try { await tm.DisposeAsync(); }
            catch (Exception caught) { bodySaw = caught; throw; }
        }));
        Assert.Same(boom, bodySaw);
        Assert.Same(boom, e); // not AggregateException(boom, boom)
    });

    [Fact]
    public void RunAsync_BodyAwaitsDisposeAsyncItself_SeveralFailuresAreReportedOnceAsTheSameAggregate() => Virtual.Run(async loop =>
    {
        var bodySaw = default(Exception);
        var e = await Catch.ExceptionAsync(() => TaskManager.RunAsync(async tm =>
        {
            tm.Spawn(() => Failing.AfterAsync(S(1), new Boom("a")));
            tm.Spawn(() => Failing.AfterAsync(S(1), new Boom("b")));
            try { await tm.DisposeAsync(); }
            catch (Exception caught) { bodySaw = caught; throw; }
        }));
        var aggregate = Assert.IsType<AggregateException>(e);
        Assert.Same(bodySaw, aggregate);
        Assert.Equal(["a", "b"], aggregate.InnerExceptions.Select(x => ((Boom)x).Tag).Order()); // in the order they failed
    });

    [Fact]
    public void RunAsync_BodyRethrowsAChildsFailureFromItsCompletion_ReportsItOnce() => Virtual.Run(async loop =>
    {
        var boom = new Boom("child");
        var e = await Catch.ExceptionAsync(() => TaskManager.RunAsync(async tm =>
        {
            var child = tm.Spawn(() => Failing.AfterAsync(S(1), boom));
            await child.Completion;
        }));
        Assert.Same(boom, e);
    });

    [Fact]
    public void RunAsync_BodyCatchesTheJoinFailureAndReturns_TheFailureIsStillReported() => Virtual.Run(async loop =>
    {
        var boom = new Boom("child");
        var e = await Catch.ExceptionAsync(() => TaskManager.RunAsync(async tm =>
        {
            tm.Spawn(async () => { await EventLoop.Yield(); throw boom; });
            try { await tm.DisposeAsync(); }
            catch (Boom) { }
        }));
        Assert.Same(boom, e);
    });

    [Fact]
    public void RunAsync_ManagerCreatedInTheBody_NestsUnderItAndIsCancelledWithTheGroup() => Virtual.Run(async loop =>
    {
        ChildTask? innerChild = null;
        var boom = new Boom("outer child");
        var e = await Catch.ExceptionAsync(() => TaskManager.RunAsync(async tm =>
        {
            tm.Spawn(() => Failing.AfterAsync(S(1), boom));
            await using var inner = new TaskManager(loop);
            innerChild = inner.Spawn(() => EventLoop.Sleep(S(10)));
        }));
        Assert.Same(boom, e);
        Assert.Equal(ChildTaskStatus.Cancelled, innerChild!.Status);
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void RunAsync_BodyCancelsItsOwnManager_EndsNormallyAtTheBodysNextCheckpoint() => Virtual.Run(async loop =>
    {
        var log = new List<string>();
        ChildTask? child = null;
        await TaskManager.RunAsync(async tm =>
        {
            child = tm.Spawn(() => EventLoop.Sleep(S(10)));
            tm.Cancel();
            log.Add("body continues until its checkpoint");
            await EventLoop.Yield();
            log.Add("not reached");
        });
        Assert.Equal(["body continues until its checkpoint"], log);
        Assert.Equal(ChildTaskStatus.Cancelled, child!.Status);
    });

    [Fact]
    public void RunAsync_InsideACancelledChild_StartsCancelledAndReturnsNormally() => Virtual.Run(async loop =>
    {
        var log = new List<string>();
        await using var tm = new TaskManager(loop);
        var owner = tm.Spawn(async () =>
        {
            tm.Children[0].Cancel();
            await TaskManager.RunAsync(async group =>
            {
                log.Add($"group cancelled: {group.IsCancellationRequested}");
                await EventLoop.Sleep(S(1));
                log.Add("not reached");
            });
            log.Add("RunAsync returned");
        });
        await tm.DisposeAsync();
        Assert.Equal(["group cancelled: True", "RunAsync returned"], log);
        Assert.Equal(ChildTaskStatus.Completed, owner.Status);
    });

    [Fact]
    public void RunAsync_InsideAChildThatIsCancelledLater_CancelsTheGroup() => Virtual.Run(async loop =>
    {
        ChildTask? groupChild = null;
        await using var tm = new TaskManager(loop);
        var owner = tm.Spawn(() => TaskManager.RunAsync(async group =>
        {
            groupChild = group.Spawn(() => EventLoop.Sleep(S(10)));
            await EventLoop.Sleep(S(10));
        }));
        await EventLoop.Sleep(S(1));
        owner.Cancel();
        await tm.DisposeAsync();
        Assert.Equal(ChildTaskStatus.Cancelled, groupChild!.Status);
        // RunAsync itself never throws for a cancellation; the owner has no checkpoint after it, so it completes.
        Assert.Equal(ChildTaskStatus.Completed, owner.Status);
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void RunAsync_BodyThrowsAForeignOperationCanceledException_IsAFailure() => Virtual.Run(async loop =>
    {
        var foreign = new OperationCanceledException("the caller's timeout");
        var e = await Catch.ExceptionAsync(() => TaskManager.RunAsync(async tm =>
        {
            await EventLoop.Yield();
            throw foreign;
        }));
        Assert.Same(foreign, e);
    });

    [Fact]
    public void RunAsync_NullBody_ThrowsArgumentNullException() => Virtual.Run(async loop =>
    {
        var e = Catch.Synchronously<ArgumentNullException>(() => TaskManager.RunAsync(null!));
        Assert.Equal("body", e.ParamName);
        // Every overload, with and without options.
        var options = new TaskManagerOptions();
        Func<TaskManager, Task> body = async tm => { };
        Func<TaskManager, Task<int>> valueBody = async tm => 1;
        Assert.Equal("body", Catch.Synchronously<ArgumentNullException>(() => TaskManager.RunAsync((Func<TaskManager, Task<int>>)null!)).ParamName);
        Assert.Equal("body", Catch.Synchronously<ArgumentNullException>(() => TaskManager.RunAsync(options, (Func<TaskManager, Task>)null!)).ParamName);
        Assert.Equal("body", Catch.Synchronously<ArgumentNullException>(() => TaskManager.RunAsync(options, (Func<TaskManager, Task<int>>)null!)).ParamName);
        Assert.Equal("options", Catch.Synchronously<ArgumentNullException>(() => TaskManager.RunAsync(null!, body)).ParamName);
        Assert.Equal("options", Catch.Synchronously<ArgumentNullException>(() => TaskManager.RunAsync(null!, valueBody)).ParamName);
    });

    [Fact]
    public void RunAsync_OffTheLoop_ThrowsInvalidOperationException() => Guard.Run(() =>
    {
        var e = Catch.Synchronously<InvalidOperationException>(() => TaskManager.RunAsync(async tm => { }));
        Assert.Contains("no event loop running on this thread", e.Message, StringComparison.Ordinal);
    });

    [Fact]
    public void RunAsync_ReturnsToTheCallerUnderTheCallersOwnContext_WhileTheBodyRunsUnderItsOwn() => Virtual.Run(async loop =>
    {
        var caller = SynchronizationContext.Current;
        SynchronizationContext? body = null;
        var run = TaskManager.RunAsync(async tm =>
        {
            body = SynchronizationContext.Current;
            await EventLoop.Sleep(S(1));
        });
        Assert.Same(caller, SynchronizationContext.Current); // the call returned to the caller's context
        Assert.NotNull(body);
        Assert.NotSame(caller, body);
        await run;
    });

    [Fact]
    public void RunAsyncOfT_BodyCutShortByItsManagersCancellation_ThrowsThatCancellationInsteadOfAValue() => Virtual.Run(async loop =>
    {
        var reached = false;
        var e = await Catch.AnyAsync<OperationCanceledException>(() => TaskManager.RunAsync<int>(async tm =>
        {
            tm.Cancel();
            await EventLoop.Yield(); // the checkpoint ends the body
            reached = true;
            return 42;
        }));
        Assert.False(reached);
        Assert.Contains("was cancelled", e.Message, StringComparison.Ordinal);
    });
}
