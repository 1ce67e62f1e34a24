using System.Threading.Channels;

namespace Nursery.Tests.Limits;

/// <summary>LoopChannel: a BCL Channel&lt;T&gt; whose waits are checkpoints and whose continuations stay on the loop.</summary>
public class LoopChannelTests
{
    /// <summary>The program: one producer, four consumers reading with ReadAllAsync, items counted per consumer.</summary>
    private static int[] Consumers(Channel<int> channel, EventLoop loop, int items, Func<int, TimeSpan> work) =>
        loop.Run(async () =>
        {
            var counts = new int[4];
            await using (var tm = new TaskManager(loop))
            {
                tm.Spawn(async () =>
                {
                    for (var i = 0; i < items; i++) await channel.Writer.WriteAsync(i);
                    channel.Writer.Complete();
                });
                for (var c = 0; c < counts.Length; c++)
                {
                    var consumer = c;
                    tm.Spawn(async ct =>
                    {
                        await foreach (var item in channel.Reader.ReadAllAsync(ct))
                        {
                            counts[consumer]++;
                            await EventLoop.Sleep(work(consumer));
                        }
                    });
                }
            }
            return counts;
        });

    [Fact]
    public void ReadAllAsync_FourConsumers_ShareTheItemsFairlyAndTheSameOnEveryRun()
    {
        var runs = new List<int[]>();
        for (var run = 0; run < 3; run++)
        {
            using var loop = new EventLoop(new VirtualClock());
            runs.Add(Guard.Run(() => Consumers(LoopChannel.CreateBounded<int>(loop, 10), loop, 200, _ => Ms(10))));
        }
        Assert.All(runs, counts => Assert.Equal([50, 50, 50, 50], counts));
    }

    [Fact]
    public void ReadAllAsync_ConsumersOfDifferentSpeeds_GetAShareByTheirSpeedDeterministically()
    {
        int[] Once()
        {
            using var loop = new EventLoop(new VirtualClock());
            return Guard.Run(() => Consumers(LoopChannel.CreateBounded<int>(loop, 10), loop, 200, c => Ms(10 * (c + 1))));
        }
        var first = Once();
        Assert.Equal(200, first.Sum());
        Assert.True(first[0] > first[1] && first[1] > first[2] && first[2] > first[3], string.Join(",", first));
        Assert.Equal(first, Once());
    }

    [Fact]
    public void LoopChannel_IsABclChannel_WaitsResumeOnTheLoopThread() => Virtual.Run(async loop =>
    {
        Channel<string> channel = LoopChannel.CreateUnbounded<string>();
        var loopThread = Environment.CurrentManagedThreadId;
        await using var tm = new TaskManager(loop);
        var reader = tm.Spawn(async () =>
        {
            var item = await channel.Reader.ReadAsync().ConfigureAwait(false); // even ConfigureAwait(false) stays on the loop
            Assert.Equal(loopThread, Environment.CurrentManagedThreadId);
            Assert.Same(loop, EventLoop.Current);
            return item;
        });
        await EventLoop.Sleep(S(1));
        Assert.True(channel.Writer.TryWrite("hello"));
        await tm.DisposeAsync();
        Assert.Equal("hello", reader.Result);
    });

    [Fact]
    public void WriteAsync_FullChannel_WritersWaitFifoAndReadersSeeItemsInWriteOrder() => Virtual.Run(async loop =>
    {
        var channel = LoopChannel.CreateBounded<string>(1);
        var log = new EventLog(loop);
        var asked = new List<string>(); // which writer comes first is the schedule's; the channel must keep that order
        await using var tm = new TaskManager(loop);
        foreach (var name in new[] { "a", "b", "c" })
            tm.Spawn(async () => { asked.Add(name); await channel.Writer.WriteAsync(name); log.Add($"wrote {name}"); });
        await EventLoop.Sleep(S(1));
        Assert.Equal(1, channel.Count);
        var read = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            read.Add(await channel.Reader.ReadAsync());
            await EventLoop.Sleep(S(1));
        }
        Assert.Equal(asked, read);
        Assert.Equal([$"0s wrote {asked[0]}", $"1s wrote {asked[1]}", $"2s wrote {asked[2]}"], log.Entries);
    });

    [Fact]
    public void ReadAsync_IsACheckpoint_ACancelledReaderTakesNoItem() => Virtual.Run(async loop =>
    {
        var channel = LoopChannel.CreateUnbounded<int>();
        await using var tm = new TaskManager(loop);
        var first = tm.Spawn(async () => await channel.Reader.ReadAsync());
        var second = tm.Spawn(async () => await channel.Reader.ReadAsync());
        await EventLoop.Sleep(S(1));
        first.Cancel();
        await EventLoop.Yield();
        channel.Writer.TryWrite(7);
        await tm.DisposeAsync();
        Assert.Equal(ChildTaskStatus.Cancelled, first.Status);
        Assert.Equal(7, second.Result);
    });

    [Fact]
    public void WriteAsync_CancelledWriter_WritesNothing() => Virtual.Run(async loop =>
    {
        var channel = LoopChannel.CreateBounded<int>(1);
        channel.Writer.TryWrite(1);
        await using var tm = new TaskManager(loop);
        var writer = tm.Spawn(async () => await channel.Writer.WriteAsync(2));
        await EventLoop.Sleep(S(1));
        writer.Cancel();
        await tm.DisposeAsync();
        Assert.Equal(1, await channel.Reader.ReadAsync());
        Assert.False(channel.Reader.TryRead(out _));
    });

    [Fact]
    public void Complete_ReadersDrainTheBufferThenTheEnumerationEnds() => Virtual.Run(async loop =>
    {
        var channel = LoopChannel.CreateBounded<int>(5);
        for (var i = 0; i < 3; i++) channel.Writer.TryWrite(i);
        channel.Writer.Complete();
        Assert.False(channel.Writer.TryWrite(9));
        var items = new List<int>();
        await foreach (var item in channel.Reader.ReadAllAsync()) items.Add(item);
        Assert.Equal([0, 1, 2], items);
        Assert.True(channel.Reader.Completion.IsCompletedSuccessfully);
        Assert.False(await channel.Reader.WaitToReadAsync());
        await Catch.AnyAsync<ChannelClosedException>(async () => await channel.Reader.ReadAsync());
    });

    [Fact]
    public void Complete_WithAnError_ReadAllAsyncRethrowsItAndBlockedWritersFail() => Virtual.Run(async loop =>
    {
        var channel = LoopChannel.CreateBounded<int>(1);
        channel.Writer.TryWrite(1);
        var boom = new Boom("producer");
        await using var tm = new TaskManager(loop);
        var blocked = tm.Spawn(async () => await channel.Writer.WriteAsync(2));
        await EventLoop.Sleep(S(1));
        channel.Writer.Complete(boom);
        var items = new List<int>();
        var thrown = await Catch.ExceptionAsync(async () =>
        {
            await foreach (var item in channel.Reader.ReadAllAsync()) items.Add(item);
        });
        Assert.Equal([1], items);
        Assert.Same(boom, thrown);
        await Catch.ExceptionAsync(() => tm.DisposeAsync().AsTask());
        Assert.IsType<ChannelClosedException>(blocked.Exception);
    });

    [Fact]
    public void WaitToReadAndWaitToWrite_FollowTheBclProtocol() => Virtual.Run(async loop =>
    {
        var channel = LoopChannel.CreateBounded<int>(1);
        await using var tm = new TaskManager(loop);
        var log = new EventLog(loop);
        tm.Spawn(async () =>
        {
            while (await channel.Reader.WaitToReadAsync())
            {
                while (channel.Reader.TryRead(out var item)) log.Add($"read {item}");
                await EventLoop.Sleep(S(1));
            }
            log.Add("done");
        });
        for (var i = 0; i < 3; i++)
        {
            while (!channel.Writer.TryWrite(i))
            {
                Assert.True(await channel.Writer.WaitToWriteAsync());
            }
        }
        channel.Writer.Complete();
        await tm.DisposeAsync();
        Assert.Equal(["0s read 0", "1s read 1", "2s read 2", "3s done"], log.Entries);
    });

    [Fact]
    public void LoopChannel_UsedOffTheLoop_ThrowsNamingTheFix() => Virtual.Run(async loop =>
    {
        var channel = LoopChannel.CreateUnbounded<int>();
        var e = await Catch.OffLoopAsync(() => channel.Writer.TryWrite(1));
        Assert.Contains("loop host", Assert.IsType<InvalidOperationException>(e).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => LoopChannel.CreateBounded<int>(0));
    });

    [Fact]
    public void LoopChannel_WaitingReader_DumpTreeSaysSo() => Virtual.Run(async loop =>
    {
        var channel = LoopChannel.CreateUnbounded<int>();
        await using var tm = new TaskManager(loop);
        tm.Spawn(async () => await channel.Reader.ReadAsync(), "reader");
        await EventLoop.Sleep(S(1));
        Assert.Contains("reader: Running, waiting to read from an empty LoopChannel", tm.DumpTree());
        tm.Cancel();
    });
}
