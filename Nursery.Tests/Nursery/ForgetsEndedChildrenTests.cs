namespace Nursery.Tests.Nursery;

/// <summary>The internal mode a loop host's root manager runs in: it may run millions of children over its life.</summary>
public class ForgetsEndedChildrenTests
{
    [Fact]
    public void Spawn_WhenManyChildrenHaveEnded_KeepsTheChildListBoundedAndStoresNoValues()
    {
        var (listed, values, ran) = Virtual.Run(async loop =>
        {
            var ran = 0;
            var manager = new TaskManager(loop) { ForgetsEndedChildren = true };
            for (var batch = 0; batch < 100; batch++)
            {
                for (var i = 0; i < 100; i++) manager.Spawn(() => { ran++; return Task.FromResult(i); });
                await EventLoop.Yield(); // the batch starts and ends
                await EventLoop.Yield();
            }
            var listed = manager.Children.Count;
            var values = manager.Values.Count;
            await manager.DisposeAsync();
            return (listed, values, ran);
        });
        Assert.Equal(10_000, ran);
        Assert.InRange(listed, 1, 400); // swept: at most twice the live children plus one batch, never all 10,000
        Assert.Equal(0, values);
    }

    [Fact]
    public void Cancel_WithForgetsEndedChildren_StillReachesEveryLiveChild()
    {
        var log = Virtual.Run(async loop =>
        {
            var log = new EventLog(loop);
            var manager = new TaskManager(loop) { ForgetsEndedChildren = true };
            for (var i = 0; i < 200; i++) manager.Spawn(() => Task.CompletedTask); // end at once, get swept
            await EventLoop.Yield();
            await EventLoop.Yield();
            for (var i = 0; i < 3; i++)
            {
                var n = i;
                manager.Spawn(async () =>
                {
                    try { await EventLoop.Sleep(S(10)); }
                    catch (OperationCanceledException) { log.Add($"{n} cancelled"); throw; }
                });
            }
            for (var i = 0; i < 200; i++) manager.Spawn(() => Task.CompletedTask); // a sweep with live children in the list
            await EventLoop.Sleep(S(1));
            manager.Cancel();
            await manager.DisposeAsync();
            return log.Entries;
        });
        Assert.Equal(["1s 0 cancelled", "1s 1 cancelled", "1s 2 cancelled"], log.Order()); // in any order of the schedule
    }
}
