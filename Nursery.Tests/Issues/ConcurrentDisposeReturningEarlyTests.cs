namespace Nursery.Tests.Issues;

/// <summary>
/// Issue 13 (documentation gaps, "concurrent Dispose calls return before the host has stopped"), found again by the
/// CsCheck campaign (Concurrency/LoopThreadLinearizabilityTests: parallel [Dispose, Dispose] gave "still stopping").
/// The second of two Dispose calls made at once returned at once, while the first was still stopping the host: code
/// after it saw a host that had not stopped, against "Dispose: the host has stopped when this returns".
/// </summary>
public class ConcurrentDisposeReturningEarlyTests
{
    [Fact]
    public void LoopThread_DisposeWhileAnotherDisposeIsStopping_ReturnsOnlyOnceTheHostHasStopped() => Guard.Run(() =>
    {
        using var slowCleanup = new SlowCleanup();
        var host = new LoopThread();
        slowCleanup.SubmitTo(work => host.Submit(work));

        var first = StartThread(host.Dispose);
        Assert.True(slowCleanup.Started.Wait(Blocking.Patience), "the stop did not reach the work");
        var stoppedWhenTheSecondReturned = false;
        var second = StartThread(() => { host.Dispose(); stoppedWhenTheSecondReturned = host.WaitForStop(TimeSpan.Zero); });
        LoopThreadWatch.WaitUntilBlocked(second); // the second Dispose waits (or, before the fix, has already returned)
        slowCleanup.Finish();

        Assert.True(first.Join(Blocking.Patience) && second.Join(Blocking.Patience), "a Dispose did not return");
        Assert.True(stoppedWhenTheSecondReturned, "the second Dispose returned while the host was still stopping");
    });

    [Fact]
    public void Dispatcher_DisposeWhileAnotherDisposeIsStopping_ReturnsOnlyOnceEveryLoopHasStopped() => Guard.Run(() =>
    {
        using var slowCleanup = new SlowCleanup();
        var dispatcher = new Dispatcher();
        slowCleanup.SubmitTo(dispatcher.ExecuteAsync);

        var first = StartThread(dispatcher.Dispose);
        Assert.True(slowCleanup.Started.Wait(Blocking.Patience), "the stop did not reach the work");
        var secondReturned = false;
        var second = StartThread(() => { dispatcher.Dispose(); secondReturned = true; });
        LoopThreadWatch.WaitUntilBlocked(second);
        var returnedBeforeTheCleanupFinished = Volatile.Read(ref secondReturned);
        slowCleanup.Finish();

        Assert.True(first.Join(Blocking.Patience) && second.Join(Blocking.Patience), "a Dispose did not return");
        Assert.False(returnedBeforeTheCleanupFinished, "the second Dispose returned while a loop was still stopping");
    });

    private static Thread StartThread(Action action)
    {
        var thread = new Thread(() => action()) { IsBackground = true, Name = "disposer" };
        thread.Start();
        return thread;
    }

    /// <summary>A work item whose cleanup, once the host stops it, waits until the test says so.</summary>
    private sealed class SlowCleanup : IDisposable
    {
        private readonly ManualResetEventSlim _finish = new();

        private readonly ManualResetEventSlim _running = new();

        public ManualResetEventSlim Started { get; } = new();

        /// <summary>Submits the work and returns once it runs (a stop before that would cancel it before its body).</summary>
        public void SubmitTo(Func<Func<CancellationToken, Task<int>>, Task<int>> submit)
        {
            _ = submit(WorkAsync);
            Assert.True(_running.Wait(Blocking.Patience), "the work did not start");
        }

        private async Task<int> WorkAsync(CancellationToken ct)
        {
            _running.Set();
            try
            {
                await EventLoop.Sleep(TimeSpan.MaxValue, ct);
            }
            finally
            {
                Started.Set();
                await Task.Run(() => _finish.Wait(Blocking.Patience)); // off the loop: the loop keeps running
            }
            return 0;
        }

        public void Finish() => _finish.Set();

        public void Dispose()
        {
            _finish.Set();
            _finish.Dispose();
            _running.Dispose();
            Started.Dispose();
        }
    }
}
