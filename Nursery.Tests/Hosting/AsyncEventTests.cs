namespace Nursery.Tests.Hosting;

public class AsyncEventTests
{
    [Trait("Schedule", "Fifo")]
    [Fact]
    public void Set_ReleasesEveryWaiterOnTheLoopInTheOrderTheyWaited()
    {
        var log = Virtual.Run(async loop =>
        {
            var log = new EventLog(loop);
            var ev = new CurrentLoopHost().CreateEvent();
            await using (var manager = new TaskManager(loop))
            {
                foreach (var name in new[] { "a", "b", "c" })
                {
                    manager.Spawn(async () =>
                    {
                        await ev.WaitAsync();
                        log.Add($"{name} released");
                    });
                }
                manager.Spawn(async () =>
                {
                    await EventLoop.Sleep(S(2));
                    log.Add("set");
                    ev.Set();
                    ev.Set(); // setting a set event does nothing
                });
            }
            return log.Entries;
        });
        Assert.Equal(["2s set", "2s a released", "2s b released", "2s c released"], log);
    }

    [Fact]
    public void WaitAsync_OnASetEvent_CompletesAtOnceUntilClearRearmsIt()
    {
        Virtual.Run(async loop =>
        {
            var ev = new CurrentLoopHost().CreateEvent();
            ev.Set();
            Assert.True(ev.WaitAsync().IsCompletedSuccessfully);
            ev.Clear();
            Assert.False(ev.IsSet);
            var waiting = ev.WaitAsync();
            await EventLoop.Sleep(S(1));
            Assert.False(waiting.IsCompleted);
            ev.Set();
            await waiting;
        });
    }

    [Fact]
    public void WaitAsync_InACancelledChild_EndsCancelledEvenWithoutAToken()
    {
        var log = Virtual.Run(async loop =>
        {
            var log = new EventLog(loop);
            var ev = new CurrentLoopHost().CreateEvent();
            await using (var manager = new TaskManager(loop))
            {
                manager.Spawn(async () =>
                {
                    try { await ev.WaitAsync(); }
                    catch (OperationCanceledException) { log.Add("waiter cancelled"); throw; }
                });
                await EventLoop.Sleep(S(1));
                manager.Cancel();
            }
            log.Add("joined");
            Assert.False(ev.IsSet);
            return log.Entries;
        });
        Assert.Equal(["1s waiter cancelled", "1s joined"], log);
    }

    [Fact]
    public void WaitAsync_WhenItsTokenIsCancelled_EndsCancelledWithThatTokenAndLaterSetsDoNotAffectIt()
    {
        Virtual.Run(async loop =>
        {
            var ev = new CurrentLoopHost().CreateEvent();
            using var cts = new CancellationTokenSource();
            var waiting = ev.WaitAsync(cts.Token);
            var other = ev.WaitAsync();
            await EventLoop.Sleep(S(1));
#pragma warning disable VSTHRD103 // Cancelling inline, on the loop, is what the test is about.
            cts.Cancel();
#pragma warning restore VSTHRD103
            var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
            Assert.Equal(cts.Token, e.CancellationToken);
            Assert.False(other.IsCompleted);
            ev.Set();
            await other;
            Assert.True(waiting.IsCanceled);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ev.WaitAsync(cts.Token)); // already cancelled
        });
    }

    [Fact]
    public void Set_FromManyThreadsWhileWaitersComeAndGo_ReleasesEveryWaiter()
    {
        Guard.Run(() =>
        {
            using var host = new LoopThread();
            var ev = host.CreateEvent();
            for (var round = 0; round < 200; round++)
            {
                var waiters = Enumerable.Range(0, 10).Select(_ => host.Submit(ct => ev.WaitAsync(ct))).ToList();
                var setters = Enumerable.Range(0, 3).Select(_ => new Thread(ev.Set) { IsBackground = true }).ToList();
                setters.ForEach(t => t.Start());
                setters.ForEach(t => Assert.True(t.Join(Blocking.Patience)));
                waiters.ForEach(w => Blocking.Ended(w, "waiter"));
                Assert.All(waiters, w => Assert.True(w.IsCompletedSuccessfully));
                ev.Clear();
            }
        }, timeout: TimeSpan.FromSeconds(60));
    }
}
