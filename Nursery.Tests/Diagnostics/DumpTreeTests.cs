namespace Nursery.Tests.Diagnostics;

public class DumpTreeTests
{
    [Fact]
    public void DumpTree_WhileChildrenRun_ShowsManagersChildrenWaitsSitesAndAges()
    {
        var dump = Virtual.Run(async loop =>
        {
            string? text = null;
            await DiagnosticsScenario.RunAsync(loop, () => text = loop.DumpTree());
            return text!;
        });
        Approvals.Verify(dump, "DumpTree_WhileChildrenRun");
    }

    [Fact]
    public void DumpTree_OfOneManager_ShowsOnlyItsSubtree()
    {
        Virtual.Run(async loop =>
        {
            await using var outer = new TaskManager(loop);
            TaskManager? inner = null;
            outer.Spawn(async () =>
            {
                await using var m = inner = new TaskManager(loop);
                m.Spawn(() => EventLoop.Sleep(S(5)), name: "deep");
            }, name: "outer child");
            await EventLoop.Sleep(S(1));
            var dump = inner!.DumpTree();
            Assert.StartsWith($"TaskManager #{inner.Id} joining: 1 child (1 live)", dump);
            Assert.Contains("#2 deep: Running, sleeping until t=5.000s", dump);
            Assert.DoesNotContain("outer child", dump);
        });
    }

    [Fact]
    public void DumpTree_WithManyEndedChildren_SummarisesThemInOneLine()
    {
        Virtual.Run(async loop =>
        {
            await using var tm = new TaskManager(loop);
            for (var i = 0; i < 30; i++) tm.Spawn(async () => i);
            tm.Spawn(() => EventLoop.Sleep(S(1)), name: "last one");
            tm.Spawn(() => Task.CompletedTask).Cancel(); // cancelled before it starts
            await loop.RunCurrentAsync();
            var dump = loop.DumpTree();
            Assert.Contains("#31 last one: Running, sleeping until t=1.000s", dump);
            Assert.Contains("… 31 ended children not shown (30 completed, 1 cancelled)", dump);
            Assert.DoesNotContain("#5:", dump);
        });
    }

    [Fact]
    public void DumpTree_ChildWaitingOnAnAsyncEvent_SaysSo_AndForgetsItOnceSet()
    {
        Virtual.Run(async loop =>
        {
            var ev = new CurrentLoopHost().CreateEvent();
            await using var tm = new TaskManager(loop);
            tm.Spawn(() => ev.WaitAsync(), name: "waiter");
            tm.Spawn(() => Task.WhenAny(ev.WaitAsync(), EventLoop.Sleep(S(9))), name: "either");
            await loop.RunCurrentAsync();
            var waiting = loop.DumpTree();
            Assert.Contains("#1 waiter: Running, waiting on an AsyncEvent", waiting);
            Assert.Contains("#2 either: Running, sleeping until t=9.000s or waiting on an AsyncEvent", waiting);
            ev.Set();
            await loop.RunCurrentAsync();
            Assert.DoesNotContain("AsyncEvent", loop.DumpTree());
        });
    }

    [Fact]
    public void DumpTree_WithNothingOpen_SaysSo()
    {
        var dump = Virtual.Run(async loop => loop.DumpTree());
        Assert.Equal("EventLoop at t=0.000s (VirtualClock): running, 0 ready, 0 timers\n(no open TaskManager)\n", dump);
    }

    [Fact]
    public void DumpTree_FromAnotherThreadWhileTheLoopIsBlocked_ShowsTheStuckChildren()
    {
        // A watchdog's view: the loop thread is stuck inside a child (a blocking call), and another thread asks what is going on.
        Guard.Run(() =>
        {
            using var stuck = new ManualResetEventSlim();
            using var release = new ManualResetEventSlim();
            var loop = new EventLoop(new VirtualClock());
            var runner = new Thread(() => loop.Run(async () =>
            {
                await using var tm = new TaskManager(loop);
                tm.Spawn(() => EventLoop.Sleep(S(60)), name: "sleeper");
                tm.Spawn(async () =>
                {
                    await EventLoop.Sleep(S(1)); // the sleeper has surely started (whatever the schedule's order)
                    stuck.Set();
                    release.Wait(); // blocks the loop thread on purpose: this is the bug the dump should reveal
                }, name: "blocker");
            })) { IsBackground = true };
            runner.Start();
            Assert.True(stuck.Wait(TimeSpan.FromSeconds(10)));
            var dump = loop.DumpTree();
            release.Set();
            Assert.True(runner.Join(TimeSpan.FromSeconds(10)));
            Assert.Contains("#1 sleeper: Running, sleeping until t=60.000s", dump);
            Assert.Contains("#2 blocker: Running, waiting on another task", dump);
        });
    }
}
