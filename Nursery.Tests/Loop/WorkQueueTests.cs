namespace Nursery.Tests.Loop;

/// <summary>The internal run queue on its own (the loop's FIFO order is tested through the loop in RunQueueTests).</summary>
public class WorkQueueTests
{
    private static readonly SendOrPostCallback s_nothing = static _ => { };

    // Found by mutation testing (docs/testing.md): no test dequeued from a queue that never had a segment.
    [Fact]
    public void TryDequeue_OnAQueueThatNeverHeldAnything_ReturnsFalse()
    {
        var queue = new WorkQueue();

        Assert.False(queue.TryDequeue(out var item));
        Assert.Null(item.Callback);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void MoveAllTo_ThenDrain_KeepsFifoOrderAcrossSegments()
    {
        var source = new WorkQueue();
        var destination = new WorkQueue();
        destination.Enqueue(new WorkItem(s_nothing, -1, null!));
        for (var i = 0; i < 600; i++) source.Enqueue(new WorkItem(s_nothing, i, null!)); // three segments

        source.MoveAllTo(destination);

        Assert.Equal(0, source.Count);
        Assert.Equal(601, destination.Count);
        for (var expected = -1; expected < 600; expected++)
        {
            Assert.True(destination.TryDequeue(out var item));
            Assert.Equal(expected, item.State);
        }
        Assert.False(destination.TryDequeue(out _));
        Assert.False(source.TryDequeue(out _));
    }
}
