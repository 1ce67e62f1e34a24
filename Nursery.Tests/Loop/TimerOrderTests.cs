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

    [Trait("Schedule", "Fifo")]
    [Fact]
    public void Timers_EqualDeadlinesFromDifferentSources_FireInTheOrderTheyWereSet() => Virtual.Run(async loop =>
    {
        // Every kind of timer shares one heap: a sleep, a TimeProvider timer (behind Task.Delay), a scheduled child
        // and another sleep, all due at 1 s, fire in the order they were set; each one's effect reaches the run queue
        // in that order.
        var order = new List<string>();
        async Task Nap(string name)
        {
            await EventLoop.Sleep(S(1));
            order.Add(name);
        }
        async Task Delay(string name)
        {
            await Task.Delay(S(1), loop.TimeProvider);
            order.Add(name);
        }

        await using var tm = new TaskManager(loop);
        var first = Nap("sleep 1");
        var delay = Delay("TimeProvider delay");
        tm.Schedule(async () => order.Add("scheduled child"), S(1));
        var second = Nap("sleep 2");
        await Task.WhenAll(first, delay, second);
        await tm.DisposeAsync();

        Assert.Equal(["sleep 1", "TimeProvider delay", "scheduled child", "sleep 2"], order);
        Assert.Equal(S(1), loop.Now);
    });

    [Trait("Schedule", "Fifo")]
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
