using Xunit.Sdk;

namespace Nursery.Tests.Loop;

/// <summary>
/// The seed helper (Support/Schedules.cs, the guide's copy) finds a real order-dependent bug: a sender that assumes its
/// sibling listener, spawned just before it, has already subscribed. FIFO order hides it; shuffling finds it, names the
/// seed and says how to replay it; the fix (StartAsync: wait until the listener says it is ready) passes every seed.
/// </summary>
public class SeedExplorationTests
{
    /// <summary>A tiny in-memory bus: Publish delivers to the handlers subscribed at that moment, and to no one later.</summary>
    private sealed class Bus
    {
        private readonly List<Action<string>> _handlers = [];

        public void Subscribe(Action<string> handler) => _handlers.Add(handler);

        public void Publish(string message)
        {
            foreach (var handler in _handlers) handler(message);
        }
    }

    /// <summary>The bug: two siblings spawned in the same turn, and the sender assumes the listener runs first.</summary>
    private static void SpawnOrderAssumed(EventLoop loop) => loop.Run(async () =>
    {
        var bus = new Bus();
        var received = new List<string>();
        await using (var tm = new TaskManager(loop))
        {
            tm.Spawn(async () => bus.Subscribe(received.Add), "listener");
            tm.Spawn(async () => bus.Publish("hello"), "sender");
        }
        Assert.Equal(["hello"], received);
    });

    /// <summary>The fix: the listener starts with StartAsync and says when it has subscribed.</summary>
    private static void ListenerStartedFirst(EventLoop loop) => loop.Run(async () =>
    {
        var bus = new Bus();
        var received = new List<string>();
        await using (var tm = new TaskManager(loop))
        {
            await tm.StartAsync(async (signal, _) => { bus.Subscribe(received.Add); signal.Started(); });
            tm.Spawn(async () => bus.Publish("hello"), "sender");
        }
        Assert.Equal(["hello"], received);
    });

    [Fact]
    [Trait("Schedule", "Fifo")]
    public void SpawnOrderAssumed_PassesInFifoOrder() =>
        Guard.Run(() =>
        {
            using var loop = new EventLoop(new VirtualClock(), new LoopOptions());
            SpawnOrderAssumed(loop);
        });

    [Fact]
    public void Explore_FindsTheOrderDependentBug_AndPrintsTheSeedAndTheReplayCommand()
    {
        var failure = Assert.Throws<FailException>(() => Guard.Run(() => Schedules.Explore(20, SpawnOrderAssumed)));

        var seed = int.Parse(failure.Message.Split("ScheduleSeed = ")[1].Split('.')[0]);
        Assert.StartsWith($"Explore_FindsTheOrderDependentBug_AndPrintsTheSeedAndTheReplayCommand failed under ScheduleSeed = {seed}.", failure.Message);
        Assert.Contains($"Replay: NURSERY_REPLAY_SEED={seed} dotnet test --filter \"FullyQualifiedName~Explore_FindsTheOrderDependentBug", failure.Message);
        Assert.Contains($"new LoopOptions {{ ScheduleSeed = {seed} }}", failure.Message);

        // The printed seed replays the failure, every time.
        for (var i = 0; i < 3; i++)
        {
            Assert.ThrowsAny<XunitException>(() => Guard.Run(() =>
            {
                using var loop = new EventLoop(new VirtualClock(), new LoopOptions { ScheduleSeed = seed });
                SpawnOrderAssumed(loop);
            }));
        }
    }

    [Fact]
    public void Explore_OfTheFixedProgram_PassesUnderEverySeed() =>
        Guard.Run(() => Schedules.Explore(20, ListenerStartedFirst));
}
