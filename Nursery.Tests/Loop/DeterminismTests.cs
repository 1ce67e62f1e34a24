using System.Globalization;

namespace Nursery.Tests.Loop;

/// <summary>On a VirtualClock the same program gives the same events, times and ids on every run.</summary>
public class DeterminismTests
{
    /// <summary>
    /// Workers that sleep and yield in a pattern, a periodic TimeProvider timer, scheduled children, a nested
    /// manager with a failure that cancels its siblings, a RunAsync group cancelled by its body, and a timeout
    /// through a TimeProvider-driven CancellationTokenSource.
    /// </summary>
    private static async Task<List<string>> TracedProgramAsync(EventLoop loop)
    {
        var trace = new List<string>();
        void Log(string what) => trace.Add(string.Create(CultureInfo.InvariantCulture, $"{loop.Now.TotalMilliseconds}ms {what}"));

        var tp = loop.TimeProvider;
        var ticks = 0;
        using var periodic = tp.CreateTimer(_ => Log($"tick {++ticks}"), null, Ms(7), Ms(11));

        await using (var tm = new TaskManager(loop))
        {
            for (var i = 0; i < 4; i++)
            {
                var n = i;
                tm.Spawn(async ct =>
                {
                    for (var step = 0; step < 5; step++)
                    {
                        Log($"worker {n} step {step}");
                        if ((n + step) % 3 == 0) await EventLoop.Yield();
                        else await EventLoop.Sleep(Ms((n * 5 + step * 3) % 7), ct);
                    }
                    return n * 10;
                });
            }
            for (var i = 0; i < 3; i++)
            {
                var n = i;
                tm.Schedule(async () => Log($"scheduled {n}"), Ms(4 * (3 - n)));
            }
            var nested = tm.Spawn(async () =>
            {
                try
                {
                    await using var inner = new TaskManager(loop);
                    var sleeper = inner.Spawn(async ct => { await EventLoop.Sleep(S(1), ct); Log("inner sleeper woke"); });
                    inner.Spawn(async () => { await EventLoop.Sleep(Ms(9)); throw new Boom("inner"); });
                    inner.Spawn(async () => { await EventLoop.Sleep(Ms(9)); Log($"inner sibling sees sleeper {sleeper.Status}"); });
                }
                catch (Boom e)
                {
                    Log($"nested caught {e.Tag}");
                }
            });
            await TaskManager.RunAsync(async group =>
            {
                var a = group.Spawn(async () => { await EventLoop.Sleep(Ms(3)); return "a"; });
                group.Spawn(async () => { await EventLoop.Sleep(Ms(30)); Log("b woke (not expected)"); });
                await EventLoop.Sleep(Ms(5));
                Log($"group body sees a = {a.Result}, child ids {string.Join(",", group.Children.Select(c => c.Id))}");
                group.Cancel();
                await EventLoop.Yield(); // the body is part of the group: this checkpoint throws
                Log("not reached");
            });
            Log("RunAsync returned");
            using (var timeout = new CancellationTokenSource(Ms(6), tp))
            {
                try { await Task.Delay(Ms(100), tp, timeout.Token); }
                catch (OperationCanceledException) { Log("timed out"); }
            }
            await Task.Delay(Ms(2), tp);
            Log($"body done, {tm.Children.Count} children, nested {nested.Status}");
        }
        Log("joined");
        return trace;
    }

    [Fact]
    public void Run_SameProgramThreeTimes_GivesTheSameTrace()
    {
        var first = Virtual.Run(TracedProgramAsync);
        var second = Virtual.Run(TracedProgramAsync);
        var third = Virtual.Run(TracedProgramAsync);

        Assert.True(first.Count > 25, $"trace too short to mean much: {first.Count} entries");
        Assert.Equal(first, second);
        Assert.Equal(first, third);
        Assert.Contains(first, e => e.EndsWith("nested caught inner", StringComparison.Ordinal));
        Assert.Contains(first, e => e.EndsWith("timed out", StringComparison.Ordinal));
        Assert.DoesNotContain(first, e => e.Contains("not expected", StringComparison.Ordinal) || e.EndsWith("not reached", StringComparison.Ordinal));
    }

    [Fact]
    public void Id_SameProgramOnTwoLoops_HandsOutTheSameIds()
    {
        static async Task<int[]> SpawnSomeAsync(EventLoop loop)
        {
            await using var tm = new TaskManager(loop);
            await using var other = new TaskManager(loop);
            tm.Spawn(async () => { });
            other.Schedule(async () => { }, S(1));
            tm.Spawn(async () => { });
            return [.. tm.Children.Concat(other.Children).Select(c => c.Id)];
        }
        Assert.Equal(Virtual.Run(SpawnSomeAsync), Virtual.Run(SpawnSomeAsync));
    }
}
