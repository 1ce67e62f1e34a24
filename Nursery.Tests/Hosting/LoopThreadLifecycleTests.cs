using System.Diagnostics;

namespace Nursery.Tests.Hosting;

[Collection(RunsAlone.Name)]
public class LoopThreadLifecycleTests
{
    private static int ThreadCount()
    {
        using var process = Process.GetCurrentProcess();
        return process.Threads.Count;
    }

    [Fact]
    public void StartAndStop_1000Times_LeavesNoThreadBehind()
    {
        Guard.Run(() =>
        {
            // Warm up: the first host starts whatever the runtime starts once (timers, the thread pool's first threads).
            using (var warmUp = new LoopThread()) Blocking.Result(warmUp.Submit(_ => Task.FromResult(0)));
            var before = ThreadCount();
            for (var i = 0; i < 1000; i++)
            {
                var host = new LoopThread();
                host.EnsureRunning();
                if (i % 10 == 0) Blocking.Result(host.Submit(async ct => { await EventLoop.Yield(); return i; }));
                host.Stop();
                Assert.True(host.WaitForStop(Blocking.Patience));
            }
            // A stopped host's thread is finishing its last instructions when WaitForStop returns: give it a moment.
            // A leak would leave up to 1,000 threads, far above the few the runtime may add meanwhile.
            Blocking.Until(() => ThreadCount() <= before + 4, $"the thread count is back near {before} (now {ThreadCount()})");
        }, timeout: TimeSpan.FromSeconds(120));
    }
}
