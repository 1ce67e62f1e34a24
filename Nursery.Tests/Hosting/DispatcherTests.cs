namespace Nursery.Tests.Hosting;

public class DispatcherTests
{
    [Fact]
    public void Execute_RunsTheWorkOnALoopThreadAndReturnsItsResult()
    {
        Guard.Run(() =>
        {
            using var dispatcher = new Dispatcher();
            var (onLoop, thread) = dispatcher.Execute(async ct =>
            {
                await EventLoop.Sleep(Ms(5), ct);
                return (EventLoop.Current is not null, Environment.CurrentManagedThreadId);
            });
            Assert.True(onLoop);
            Assert.NotEqual(Environment.CurrentManagedThreadId, thread);
        });
    }

    [Fact]
    public void Execute_SubtasksUnderATaskManagerRunConcurrently()
    {
        Guard.Run(() =>
        {
            using var dispatcher = new Dispatcher();
            // Each half waits for the other's event: run one after the other, they would never finish.
            var result = dispatcher.Execute(async ct =>
            {
                var host = new CurrentLoopHost();
                var ping = host.CreateEvent();
                var pong = host.CreateEvent();
                ChildTask<string> a, b;
                await using (var manager = new TaskManager())
                {
                    a = manager.Spawn(async () => { ping.Set(); await pong.WaitAsync(ct); return "a"; });
                    b = manager.Spawn(async () => { await ping.WaitAsync(ct); pong.Set(); return "b"; });
                }
                host.Dispose();
                return a.Result + b.Result;
            });
            Assert.Equal("ab", result);
        });
    }

    [Fact]
    public void Execute_WhenTheWorkFails_RethrowsTheSameExceptionObject()
    {
        Guard.Run(() =>
        {
            using var dispatcher = new Dispatcher();
            var boom = new Boom("work");
            var thrown = Assert.Throws<Boom>(() => dispatcher.Execute<int>(async ct =>
            {
                await EventLoop.Yield();
                throw boom;
            }));
            Assert.Same(boom, thrown);
            Assert.Equal(1, dispatcher.Execute(_ => Task.FromResult(1))); // the dispatcher keeps serving
        });
    }

    [Fact]
    public void Execute_OnTimeout_CancelsTheWorkWaitsForItsCleanupThenThrowsTimeoutException()
    {
        Guard.Run(() =>
        {
            using var dispatcher = new Dispatcher();
            var events = new List<string>();
            var e = Assert.Throws<TimeoutException>(() => dispatcher.Execute<int>(async ct =>
            {
                try
                {
                    await EventLoop.Sleep(TimeSpan.FromHours(1), ct);
                    return 1;
                }
                finally
                {
                    await Task.Delay(Ms(50), CancellationToken.None); // slow cleanup
                    lock (events) events.Add("cleanup finished");
                }
            }, timeout: Ms(50)));
            lock (events) events.Add("caller got TimeoutException");
            Assert.Equal(["cleanup finished", "caller got TimeoutException"], events);
            Assert.Contains("cancelled and has ended", e.Message);
        });
    }

    [Fact]
    public void Execute_WhenTheWorkIgnoresCancellation_WaitsUntilItEndsAndReturnsItsOutcome()
    {
        Guard.Run(() =>
        {
            using var dispatcher = new Dispatcher();
            var result = dispatcher.Execute(async ct =>
            {
                try { await EventLoop.Sleep(TimeSpan.FromHours(1), ct); }
                catch (OperationCanceledException) { } // swallowed: the work decides its own outcome
                await Task.Delay(Ms(50), CancellationToken.None);
                return "finished late";
            }, timeout: Ms(20));
            Assert.Equal("finished late", result);
        });
    }

    [Fact]
    public void Execute_WithinTheTimeout_ReturnsTheResult()
    {
        Guard.Run(() =>
        {
            using var dispatcher = new Dispatcher();
            Assert.Equal(3, dispatcher.Execute(async ct => { await EventLoop.Yield(); return 3; }, TimeSpan.FromMinutes(5)));
            Assert.Equal(4, dispatcher.Execute(_ => Task.FromResult(4), Timeout.InfiniteTimeSpan));
            Assert.Throws<ArgumentOutOfRangeException>(() => dispatcher.Execute(_ => Task.FromResult(4), TimeSpan.FromSeconds(-2)));
        });
    }

    [Fact]
    public void Execute_OnOneOfItsOwnLoopThreads_ThrowsInvalidOperationException()
    {
        Guard.Run(() =>
        {
            using var dispatcher = new Dispatcher(loops: 2);
            var errors = Enumerable.Range(0, 2).Select(_ => Blocking.Result(dispatcher.ExecuteAsync(
                _ => Task.FromResult(Record.Exception(() => dispatcher.Execute(_ => Task.FromResult(0)))))));
            Assert.All(errors, e => Assert.Contains("deadlock", Assert.IsType<InvalidOperationException>(e).Message));
        });
    }

    [Fact]
    public void Execute_WithSeveralLoops_SpreadsCallsRoundRobin()
    {
        Guard.Run(() =>
        {
            using var dispatcher = new Dispatcher(loops: 3);
            var threads = Enumerable.Range(0, 6).Select(_ => dispatcher.Execute(_ => Task.FromResult(Environment.CurrentManagedThreadId))).ToList();
            Assert.Equal(3, threads.Distinct().Count());
            Assert.Equal(threads.Take(3), threads.Skip(3));
        });
    }

    [Fact]
    public void ExecuteAsync_ReturnsATaskForTheResult()
    {
        Guard.Run(() =>
        {
            using var dispatcher = new Dispatcher();
            var task = dispatcher.ExecuteAsync(async ct => { await EventLoop.Sleep(Ms(5), ct); return "done"; });
            Assert.Equal("done", Blocking.Result(task));
        });
    }

    [Fact]
    public void ExecuteAndExecuteAsync_AfterDispose_ThrowObjectDisposedException()
    {
        Guard.Run(() =>
        {
            var dispatcher = new Dispatcher(loops: 2);
            Assert.Equal(1, dispatcher.Execute(_ => Task.FromResult(1)));
            dispatcher.Dispose();
            dispatcher.Dispose(); // harmless
            Assert.Throws<ObjectDisposedException>(() => dispatcher.Execute(_ => Task.FromResult(1)));
            Assert.Throws<ObjectDisposedException>(() => { _ = dispatcher.ExecuteAsync(_ => Task.FromResult(1)); });
        });
    }

    [Fact]
    public void Dispose_WhileExecuteBlocks_CancelsTheWorkAndReleasesTheCaller()
    {
        Guard.Run(() =>
        {
            var dispatcher = new Dispatcher();
            using var started = new ManualResetEventSlim();
            var cleanedUp = false;
            Exception? seen = null;
            var caller = new Thread(() => seen = Record.Exception(() => dispatcher.Execute<int>(async ct =>
            {
                started.Set();
                try { await EventLoop.Sleep(TimeSpan.FromHours(1), ct); return 1; }
                finally { cleanedUp = true; }
            }))) { IsBackground = true };
            caller.Start();
            Assert.True(started.Wait(Blocking.Patience));
            dispatcher.Dispose();
            Assert.True(caller.Join(Blocking.Patience), "the blocked caller was not released");
            Assert.IsAssignableFrom<OperationCanceledException>(seen);
            Assert.True(cleanedUp);
        });
    }

    [Fact]
    public void Constructor_WithLessThanOneLoop_ThrowsArgumentOutOfRangeException()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dispatcher(loops: 0));
    }
}
