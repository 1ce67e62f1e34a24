namespace Nursery.Tests.Nursery;

/// <summary>Schedule: starts once the delay has passed on the loop's clock, counted from the call.</summary>
public class ScheduleTests
{
    [Fact]
    public void Schedule_Delay_StartsExactlyThatLongAfterTheCall() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        await using (var tm = new TaskManager(loop))
        {
            await EventLoop.Sleep(S(3));
            tm.Schedule(async () => log.Add("scheduled at 3 s for 2 s"), S(2));
            await EventLoop.Sleep(S(1));
            tm.Schedule(async () => log.Add("scheduled at 4 s for 0.5 s"), Ms(500));
        }
        Assert.Equal(["4.5s scheduled at 4 s for 0.5 s", "5s scheduled at 3 s for 2 s"], log.Entries);
    });

    [Fact]
    public void Schedule_StatusStaysScheduledUntilTheDelayHasPassed() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var child = tm.Schedule(() => EventLoop.Sleep(S(1)), S(2));
        await EventLoop.Sleep(Ms(1999));
        Assert.Equal(ChildTaskStatus.Scheduled, child.Status);
        await EventLoop.Sleep(Ms(1));
        await EventLoop.Yield();
        Assert.Equal(ChildTaskStatus.Running, child.Status);
        await tm.DisposeAsync();
        Assert.Equal(ChildTaskStatus.Completed, child.Status);
        Assert.Equal(S(3), loop.Now);
    });

    [Fact]
    public void Schedule_ZeroDelay_StartsOnALaterTurnWithoutTimeMoving() => Virtual.Run(async loop =>
    {
        var statuses = new List<ChildTaskStatus>();
        await using var tm = new TaskManager(loop);
        ChildTask? child = null;
        child = tm.Schedule(async () => statuses.Add(child!.Status), TimeSpan.Zero);
        statuses.Add(child.Status);
        await tm.DisposeAsync();
        statuses.Add(child.Status);

        Assert.Equal([ChildTaskStatus.Scheduled, ChildTaskStatus.Running, ChildTaskStatus.Completed], statuses);
        Assert.Equal(TimeSpan.Zero, loop.Now);
    });

    [Fact]
    public void Schedule_EveryOverload_StartsAfterItsDelayAndKeepsItsResult() => Virtual.Run(async loop =>
    {
        var startedAt = new List<TimeSpan>();
        await using var tm = new TaskManager(loop);
        var a = tm.Schedule(async ct => { startedAt.Add(loop.Now); return "a"; }, S(1));
        var b = tm.Schedule(async ct => startedAt.Add(loop.Now), S(2));
        var c = tm.Schedule(async () => { startedAt.Add(loop.Now); return "c"; }, S(3));
        var d = tm.Schedule(async () => startedAt.Add(loop.Now), S(4));
        await tm.DisposeAsync();

        Assert.Equal([S(1), S(2), S(3), S(4)], startedAt);
        Assert.Equal("a", a.Result);
        Assert.Equal("c", c.Result);
        Assert.Equal(ChildTaskStatus.Completed, b.Status);
        Assert.Equal(ChildTaskStatus.Completed, d.Status);
    });

    [Fact]
    public void Schedule_MaxValueDelayAfterTimeMoved_SaturatesAndCanBeCancelled() => Virtual.Run(async loop =>
    {
        await EventLoop.Sleep(S(1));
        await using var tm = new TaskManager(loop);
        var far = tm.Schedule(async () => { }, TimeSpan.MaxValue);
        var near = tm.Schedule(async () => { }, S(1));
        await near.Completion; // an overflowed (negative) deadline would have started first
        Assert.Equal(ChildTaskStatus.Scheduled, far.Status);
        far.Cancel();
        await tm.DisposeAsync();
        Assert.Equal(ChildTaskStatus.Cancelled, far.Status);
        Assert.Equal(S(2), loop.Now);
    });
}
