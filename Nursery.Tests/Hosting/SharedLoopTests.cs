namespace Nursery.Tests.Hosting;

public class SharedLoopTests
{
    [Fact]
    public void StartLoop_FirstTokenStartsTheLoopAndTheLastReleaseStopsIt()
    {
        Guard.Run(() =>
        {
            var shared = new SharedLoop();
            Assert.False(shared.IsRunning);
            var first = shared.StartLoop();
            Assert.True(shared.IsRunning);
            Assert.True(shared.Loop.IsRunning); // running once StartLoop returns
            var second = shared.StartLoop();
            first.Release();
            Assert.True(shared.Loop.IsRunning);
            shared.ReleaseLoop(second);
            Assert.False(shared.IsRunning);
            Assert.False(shared.Loop.IsRunning); // stopped once the last release returns
        });
    }

    [Fact]
    public void Release_Twice_IsHarmless()
    {
        Guard.Run(() =>
        {
            var shared = new SharedLoop();
            var kept = shared.StartLoop();
            var doubled = shared.StartLoop();
            doubled.Release();
            doubled.Release();
            doubled.Dispose();
            Assert.True(shared.Loop.IsRunning); // the second release did not take the other token's count
            kept.Release();
            Assert.False(shared.Loop.IsRunning);
        });
    }

    [Fact]
    public void StartLoop_WithUsing_ReleasesAtTheEndOfTheBlock_AndTheLoopStartsAgainLater()
    {
        Guard.Run(() =>
        {
            var shared = new SharedLoop();
            var loop = shared.Loop;
            using (shared.StartLoop()) Assert.True(loop.IsRunning);
            Assert.False(loop.IsRunning);
            using (shared.StartLoop())
            {
                Assert.Same(loop, shared.Loop);
                Assert.True(loop.IsRunning);
                Assert.Equal(2, shared.Await(_ => Task.FromResult(2)));
            }
            Assert.False(loop.IsRunning);
        });
    }

    [Fact]
    public void ReleaseLoop_WithATokenFromAnotherSharedLoop_ThrowsArgumentException()
    {
        Guard.Run(() =>
        {
            var mine = new SharedLoop();
            var other = new SharedLoop();
            using var token = other.StartLoop();
            Assert.Throws<ArgumentException>(() => mine.ReleaseLoop(token));
            Assert.True(other.IsRunning);
        });
    }

    [Fact]
    public void StartLoopAndRelease_FromManyThreadsAtOnce_NeverLeaveTheLoopStoppedWhileATokenIsHeld()
    {
        Guard.Run(() =>
        {
            var shared = new SharedLoop();
            var violations = 0;
            using var go = new ManualResetEventSlim();
            var threads = Enumerable.Range(0, 8).Select(_ => new Thread(() =>
            {
                go.Wait();
                for (var i = 0; i < 200; i++)
                {
                    using var token = shared.StartLoop();
                    if (!shared.IsRunning || !shared.Loop.IsRunning) Interlocked.Increment(ref violations);
                    if (i % 20 == 0 && shared.Await(_ => Task.FromResult(i)) != i) Interlocked.Increment(ref violations);
                }
            }) { IsBackground = true }).ToList();
            threads.ForEach(t => t.Start());
            go.Set();
            threads.ForEach(t => Assert.True(t.Join(Blocking.Patience), "a thread hung"));
            Assert.Equal(0, violations);
            Assert.False(shared.IsRunning);
            Assert.False(shared.Loop.IsRunning); // not running after the last release
        }, timeout: TimeSpan.FromSeconds(120));
    }

    [Fact]
    public void Await_ReturnsTheResultWithOrWithoutATokenHeld()
    {
        Guard.Run(() =>
        {
            var shared = new SharedLoop(new VirtualClock());
            Assert.Equal(TimeSpan.FromHours(1), shared.Await(async ct =>
            {
                await EventLoop.Sleep(TimeSpan.FromHours(1), ct);
                return EventLoop.Current!.Now;
            }));
            Assert.False(shared.IsRunning); // its own token was released
            using var token = shared.StartLoop();
            Assert.Equal("x", shared.Await(_ => Task.FromResult("x")));
            Assert.True(shared.IsRunning);
        });
    }

    [Fact]
    public void Await_WhenTheWorkFails_RethrowsTheSameExceptionObject()
    {
        Guard.Run(() =>
        {
            var shared = new SharedLoop();
            var boom = new Boom("await");
            Assert.Same(boom, Assert.Throws<Boom>(() => shared.Await<int>(async _ => { await EventLoop.Yield(); throw boom; })));
        });
    }

    [Fact]
    public void AwaitAndAwaitMultiple_OnTheLoopThread_ThrowInvalidOperationException()
    {
        Guard.Run(() =>
        {
            var shared = new SharedLoop();
            using var token = shared.StartLoop();
            var errors = shared.Await(_ => Task.FromResult(new[]
            {
                Record.Exception(() => shared.Await(_ => Task.FromResult(1))),
                Record.Exception(() => shared.AwaitMultiple([_ => Task.FromResult(1)])),
            }));
            Assert.All(errors, e => Assert.Contains("deadlock", Assert.IsType<InvalidOperationException>(e).Message));
        });
    }

    [Fact]
    public void AwaitMultiple_RunsAllConcurrentlyAndReturnsResultsInInputOrder()
    {
        var (results, log) = Guard.Run(() =>
        {
            var shared = new SharedLoop(new VirtualClock());
            var log = new List<string>();
            Func<CancellationToken, Task<string>> Item(string name, double seconds) => async ct =>
            {
                await EventLoop.Sleep(S(seconds), ct);
                log.Add($"{name} at {EventLoop.Current!.Now.TotalSeconds}s");
                return name;
            };
            var results = shared.AwaitMultiple([Item("slow", 3), Item("fast", 1), Item("middle", 2)]);
            return (results, log);
        });
        Assert.Equal(["slow", "fast", "middle"], results);
        Assert.Equal(["fast at 1s", "middle at 2s", "slow at 3s"], log); // concurrent: all done by 3 s, not 6 s
    }

    [Fact]
    public void AwaitMultiple_FirstFailureCancelsTheRestAndIsRethrownAsTheSameObject()
    {
        var (thrown, boom, log) = Guard.Run(() =>
        {
            var shared = new SharedLoop(new VirtualClock());
            var log = new List<string>();
            var boom = new Boom("second");
            var thrown = Record.Exception(() => shared.AwaitMultiple<int>(
            [
                async ct =>
                {
                    try { await EventLoop.Sleep(S(10), ct); return 1; }
                    catch (OperationCanceledException) { log.Add($"first cancelled at {EventLoop.Current!.Now.TotalSeconds}s"); throw; }
                },
                async ct => { await EventLoop.Sleep(S(1), ct); throw boom; },
            ]));
            return (thrown, boom, log);
        });
        Assert.Same(boom, thrown);
        Assert.Equal(["first cancelled at 1s"], log);
    }

    [Fact]
    public void AwaitMultiple_WithNoWork_ReturnsEmpty_AndANullItemThrowsArgumentException()
    {
        Guard.Run(() =>
        {
            var shared = new SharedLoop();
            Assert.Empty(shared.AwaitMultiple(Array.Empty<Func<CancellationToken, Task<int>>>()));
            Assert.False(shared.IsRunning);
            Assert.Throws<ArgumentException>(() => shared.AwaitMultiple<int>([_ => Task.FromResult(1), null!]));
        });
    }

    [Fact]
    public void Release_OfTheLastTokenOnTheLoopThread_StopsTheLoopWithoutDeadlocking()
    {
        Guard.Run(() =>
        {
            var shared = new SharedLoop();
            var token = shared.StartLoop();
            var host = token.Host;
            Blocking.Ended(host.Submit(_ =>
            {
                token.Release(); // from code on the loop: only requests the stop
                return Task.CompletedTask;
            }));
            Assert.True(host.WaitForStop(Blocking.Patience));
            Assert.False(shared.Loop.IsRunning);
            using (shared.StartLoop()) Assert.True(shared.Loop.IsRunning); // and it starts again
        });
    }
}
