using System.Collections.Concurrent;

namespace Nursery.Tests.Issues;

/// <summary>
/// Found while writing the core suite: reading Values from several threads at once after the loop has stopped
/// throws InvalidOperationException ("Collection was modified").
/// </summary>
/// <remarks>
/// Values is documented as readable from any thread once the loop has stopped, and it is an immutable snapshot,
/// which invites sharing. But the snapshot is built lazily on read: each reader copies the cached dictionary into a
/// builder, adds the children completed since (a plain List), then clears that list and stores the result, all
/// without synchronisation. Two readers at once iterate the list while the other clears it, or add a child the
/// other already added. Suggested fix: build the snapshot under a lock (or keep it up to date on the loop thread
/// as each child completes, so a read is a plain volatile read).
/// </remarks>
public class ValuesReadConcurrentlyTests
{
    [Fact]
    public void Values_ReadByManyThreadsAtOnceAfterTheLoopStopped_EveryReaderGetsTheFullSnapshot()
    {
        const int children = 10_000, readers = 4;
        for (var round = 0; round < 3; round++)
        {
            using var loop = new EventLoop(new VirtualClock());
            var tm = Guard.Run(() => loop.Run(async () =>
            {
                var manager = new TaskManager(loop);
                for (var i = 0; i < children; i++)
                {
                    var value = i;
                    manager.Spawn(async () => value);
                }
                await manager.DisposeAsync(); // Values is never read on the loop: the first read builds it
                return manager;
            }));

            using var start = new Barrier(readers);
            var failures = new ConcurrentQueue<Exception>();
            var counts = new ConcurrentQueue<int>();
            var threads = Enumerable.Range(0, readers).Select(_ => new Thread(() =>
            {
                start.SignalAndWait();
                try { counts.Enqueue(tm.Values.Count); }
                catch (Exception e) { failures.Enqueue(e); }
            }) { IsBackground = true }).ToList();
            threads.ForEach(t => t.Start());
            Assert.All(threads, t => Assert.True(t.Join(Guard.DefaultTimeout)));

            Assert.True(failures.IsEmpty, $"round {round}: {failures.Count} of {readers} readers failed: {failures.FirstOrDefault()}");
            Assert.All(counts, count => Assert.Equal(children, count));
        }
    }
}
