namespace Nursery.Tests.Loop;

/// <summary>The internal hook hosts that borrow a loop use to release their callers when Run ends.</summary>
public class RunEndingTests
{
    [Fact]
    public void AddRunEnding_WhenRunReturns_CallsTheCallbackOnceOnTheLoopThread()
    {
        var calls = new List<(bool onLoop, int thread)>();
        var loopThread = Guard.Run(() =>
        {
            using var loop = new EventLoop(new VirtualClock());
            var thread = loop.Run(async () =>
            {
                loop.AddRunEnding(() => calls.Add((EventLoop.Current == loop, Environment.CurrentManagedThreadId)));
                await EventLoop.Sleep(S(1));
                return Environment.CurrentManagedThreadId;
            });
            loop.Run(() => Task.CompletedTask); // a second run: the callback was forgotten after the first
            return thread;
        });
        Assert.Equal([(true, loopThread)], calls);
    }

    [Fact]
    public void RemoveRunEnding_BeforeRunReturns_PreventsTheCall()
    {
        var called = false;
        Virtual.Run(async loop =>
        {
            Action callback = () => called = true;
            loop.AddRunEnding(callback);
            await EventLoop.Yield();
            loop.RemoveRunEnding(callback);
        });
        Assert.False(called);
    }
}
