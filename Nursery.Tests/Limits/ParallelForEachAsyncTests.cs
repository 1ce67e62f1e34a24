namespace Nursery.Tests.Limits;

/// <summary>
/// Why the guide says not to use Parallel.ForEachAsync on loop.TaskScheduler (issue 9): it runs one item at a time
/// there, whatever MaxDegreeOfParallelism says; a bounded nursery runs the items k at a time.
/// </summary>
public class ParallelForEachAsyncTests
{
    [Fact]
    public void ParallelForEachAsync_OnTheLoopScheduler_RunsOneItemAtATime() => Virtual.Run(async loop =>
    {
        var running = 0;
        var peak = 0;
        var options = new ParallelOptions { TaskScheduler = loop.TaskScheduler, MaxDegreeOfParallelism = 4 };
        await Parallel.ForEachAsync(Enumerable.Range(0, 8), options, async (item, ct) =>
        {
            peak = Math.Max(peak, ++running);
            await EventLoop.Sleep(S(1), ct);
            running--;
        });
        Assert.Equal(1, peak);
        Assert.Equal(S(8), loop.Now);
    });

    [Fact]
    public void BoundedNurseryWithSpawnAsync_RunsTheItemsKAtATime() => Virtual.Run(async loop =>
    {
        var running = 0;
        var peak = 0;
        await TaskManager.RunAsync(new TaskManagerOptions { MaxConcurrency = 4 }, async tm =>
        {
            foreach (var item in Enumerable.Range(0, 8))
            {
                await tm.SpawnAsync(async ct =>
                {
                    peak = Math.Max(peak, ++running);
                    await EventLoop.Sleep(S(1), ct);
                    running--;
                });
            }
        });
        Assert.Equal(4, peak);
        Assert.Equal(S(2), loop.Now);
    });
}
