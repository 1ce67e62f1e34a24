namespace Nursery.Tests.Loop;

/// <summary>EventLoop.Current (per thread) and IsRunning (per loop).</summary>
public class CurrentTests
{
    [Fact]
    public void Current_EverywhereLoopCodeRuns_IsThatLoop() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        var seen = new List<(string Where, EventLoop? Loop)>();
        Assert.Null(EventLoop.Current);

        loop.Run(async () =>
        {
            seen.Add(("main", EventLoop.Current));
            SynchronizationContext.Current!.Post(_ => seen.Add(("posted callback", EventLoop.Current)), null);
            var timerFired = new TaskCompletionSource();
            using var timer = loop.TimeProvider.CreateTimer(_ =>
            {
                seen.Add(("TimeProvider timer callback", EventLoop.Current));
                timerFired.SetResult();
            }, null, S(1), Timeout.InfiniteTimeSpan);
            await Task.Factory.StartNew(() => seen.Add(("TaskScheduler task", EventLoop.Current)), CancellationToken.None, TaskCreationOptions.None, loop.TaskScheduler);
            await using (var tm = new TaskManager(loop))
            {
                tm.Spawn(async () =>
                {
                    seen.Add(("child", EventLoop.Current));
                    await EventLoop.Sleep(S(2));
                    seen.Add(("child after Sleep", EventLoop.Current));
                });
            }
            await timerFired.Task;
            seen.Add(("main after join", EventLoop.Current));
        });

        Assert.Equal(7, seen.Count);
        Assert.All(seen, s => Assert.True(ReferenceEquals(loop, s.Loop), $"Current was not the loop in: {s.Where}"));
        Assert.Null(EventLoop.Current);
    });

    [Fact]
    public void Current_OnAThreadPoolThreadWhileTheLoopRuns_IsNull() => Virtual.Run(async loop =>
    {
        var onPool = await Task.Run(() => EventLoop.Current);
        Assert.Null(onPool);
        Assert.Same(loop, EventLoop.Current);
    });

    [Fact]
    public void IsRunning_SeenFromAnotherThread_IsTrueOnlyWhileRunRuns() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        Assert.False(loop.IsRunning);
        var seenFromPool = loop.Run(() => Task.Run(() => loop.IsRunning));
        Assert.True(seenFromPool);
        Assert.False(loop.IsRunning);
    });

    [Fact]
    public void IsRunning_AfterMainFails_IsFalseAndCurrentIsNull() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        Assert.Throws<Boom>(() => loop.Run(() => throw new Boom("x")));
        Assert.False(loop.IsRunning);
        Assert.Null(EventLoop.Current);
    });

    [Fact]
    public void Current_TwoLoopsOnTwoThreads_EachThreadSeesItsOwnLoop() => Guard.Run(() =>
    {
        using var first = new EventLoop(new VirtualClock());
        using var second = new EventLoop(new VirtualClock());
        EventLoop? seenBySecond = null;
        var secondThread = new Thread(() => seenBySecond = second.Run(async () =>
        {
            await EventLoop.Sleep(S(1));
            return EventLoop.Current;
        })) { IsBackground = true };

        var seenByFirst = first.Run(async () =>
        {
            secondThread.Start();
            await Task.Run(() => secondThread.Join());
            return EventLoop.Current;
        });

        Assert.Same(first, seenByFirst);
        Assert.Same(second, seenBySecond);
    });
}
