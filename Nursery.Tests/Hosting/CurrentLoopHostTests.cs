namespace Nursery.Tests.Hosting;

public class CurrentLoopHostTests : LoopHostContract
{
    protected override HostUnderTest Start(TimeSpan? stopTimeout = null)
    {
        var borrowed = new BorrowedLoop(stopTimeout: stopTimeout);
        return new HostUnderTest(borrowed.Host, () =>
        {
            try { borrowed.Host.Dispose(); }
            finally { borrowed.Dispose(); }
        });
    }

    [Fact]
    public void Constructor_OffAnyLoop_ThrowsInvalidOperationException()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new CurrentLoopHost());
        Assert.Contains("LoopThread", e.Message);
    }

    [Fact]
    public void Stop_EndsTheHostsOwnWorkButNotTheBorrowedLoop()
    {
        var log = Virtual.Run(async loop =>
        {
            var log = new EventLog(loop);
            var host = new CurrentLoopHost();
            Assert.Same(loop, host.Loop);
            var work = host.Submit(async ct =>
            {
                log.Add("work started");
                try { await EventLoop.Sleep(S(10), ct); }
                finally { log.Add("work cleaned up"); }
            });
            await EventLoop.Sleep(S(1));
            host.Stop();
            log.Add("stop requested");
            try { await work; }
            catch (OperationCanceledException) { log.Add("work cancelled"); }
            await EventLoop.Sleep(S(1));
            log.Add($"loop running: {loop.IsRunning}, host running: {host.IsRunning}");
            Assert.True(host.WaitForStop(TimeSpan.Zero)); // its work has ended: nothing to wait for
            await Assert.ThrowsAsync<ObjectDisposedException>(() => host.Submit(_ => Task.FromResult(1)));
            return log.Entries;
        });
        Assert.Equal(
            ["0s work started", "1s stop requested", "1s work cleaned up", "1s work cancelled", "2s loop running: True, host running: False"],
            log);
    }

    [Fact]
    public void Submit_OnTheLoopThread_RunsTheWorkAsAChildOfTheHostNotOfTheCaller()
    {
        var log = Virtual.Run(async loop =>
        {
            var log = new EventLog(loop);
            Task hostWork = null!;
            await using (var manager = new TaskManager(loop))
            {
                manager.Spawn(async () =>
                {
                    var host = new CurrentLoopHost();
                    hostWork = host.Submit(async ct =>
                    {
                        await EventLoop.Sleep(S(5), ct);
                        log.Add("host work done");
                    });
                    await EventLoop.Sleep(S(1));
                    log.Add("child done");
                });
            }
            log.Add("manager joined");
            await hostWork;
            return log.Entries;
        });
        Assert.Equal(["1s child done", "1s manager joined", "5s host work done"], log);
    }

    [Fact]
    public void WhenTheOwnersRunReturns_WorkInFlightEndsCancelledAndLaterSubmitsFail()
    {
        Guard.Run(() =>
        {
            using var borrowed = new BorrowedLoop();
            var host = borrowed.Host;
            using var started = new ManualResetEventSlim();
            var inFlight = host.Submit(async ct =>
            {
                started.Set();
                await EventLoop.Sleep(TimeSpan.FromHours(1), ct);
            });
            Assert.True(started.Wait(Blocking.Patience));

            borrowed.EndRun();
            Blocking.Ended(inFlight);
            Assert.True(inFlight.IsCanceled);
            Assert.False(host.IsRunning);
            Assert.True(host.WaitForStop(TimeSpan.Zero));
            Assert.IsType<ObjectDisposedException>(Blocking.Failure(host.Submit(_ => Task.FromResult(1))));
        });
    }

    [Fact]
    public void Dispose_OnTheLoopThread_StopsTheHostWithoutWaiting()
    {
        Virtual.Run(async loop =>
        {
            var host = new CurrentLoopHost();
            var work = host.Submit(ct => EventLoop.Sleep(S(10), ct));
            await EventLoop.Yield();
            host.Dispose(); // must not block the loop
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => work);
            Assert.Equal(TimeSpan.Zero, loop.Now);
            Assert.True(loop.IsRunning);
        });
    }
}
