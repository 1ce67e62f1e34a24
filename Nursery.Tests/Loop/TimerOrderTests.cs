namespace Nursery.Tests.Loop;

/// <summary>Timers fire in (deadline, sequence) order, whichever kind of timer set them.</summary>
public class TimerOrderTests
{
    [Fact]
    public void Sleep_EarlierDeadlineSetLater_FiresFirst() => Virtual.Run(async loop =>
    {
        var log = new EventLog(loop);
        async Task Nap(string name, double seconds)
        {
            await EventLoop.Sleep(S(seconds));
            log.Add(name);
        }

        await Task.WhenAll(Nap("3s", 3), Nap("1s", 1), Nap("2s", 2), Nap("0.5s", 0.5));

        Assert.Equal(["0.5s 0.5s", "1s 1s", "2s 2s", "3s 3s"], log.Entries);
    });

    [Fact]
    public void Timers_EqualDeadlinesFromDifferentSources_FireInTheOrderTheyWereSet() => Virtual.Run(async loop =>
    {
        // Every kind of timer shares one heap: a sleep, a TimeProvider timer, a scheduled child and another sleep,
        // all due at 1 s, fire in the order they were set. (The timer callback posts its entry so that all four are
        // logged from the run queue, where the order of firing shows.)
        var order = new List<string>();
        var context = SynchronizationContext.Current!;
        async Task Nap(string name)
        {
            await EventLoop.Sleep(S(1));
            order.Add(name);
        }

        await using var tm = new TaskManager(loop);
        var first = Nap("sleep 1");
        using var timer = loop.TimeProvider.CreateTimer(_ => context.Post(_ => order.Add("TimeProvider timer"), null), null, S(1), Timeout.InfiniteTimeSpan);
        tm.Schedule(async () => order.Add("scheduled child"), S(1));
        var second = Nap("sleep 2");
        await Task.WhenAll(first, second);
        await tm.DisposeAsync();

        Assert.Equal(["sleep 1", "TimeProvider timer", "scheduled child", "sleep 2"], order);
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void Timers_ManyWithInterleavedDeadlines_FireSortedByDeadlineThenSequence() => Virtual.Run(async loop =>
    {
        var fired = new List<(TimeSpan Deadline, int Sequence)>();
        var naps = new List<Task>();
        for (var i = 0; i < 60; i++)
        {
            var deadline = Ms((i * 37) % 11); // many equal deadlines, set out of order
            var sequence = i;
            naps.Add(Nap());
            async Task Nap()
            {
                await EventLoop.Sleep(deadline);
                fired.Add((loop.Now, sequence));
            }
        }
        await Task.WhenAll(naps);

        var expected = fired.OrderBy(f => f.Deadline).ThenBy(f => f.Sequence).ToList();
        Assert.Equal(expected, fired);
        Assert.Equal(60, fired.Count);
    });
}
