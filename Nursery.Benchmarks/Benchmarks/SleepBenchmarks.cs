using BenchmarkDotNet.Attributes;

namespace Nursery.Benchmarks;

/// <summary>
/// What the timer benchmarks share: N random delays from a fixed seed (the same for every method), a long-lived
/// Nursery loop on the clock the derived class picks, and the bare Nursery row (N EventLoop.Sleep calls joined
/// with Task.WhenAll).
/// </summary>
[MemoryDiagnoser]
public abstract class SleepBenchmarks
{
    public static IEnumerable<int> Sizes => BenchSizes.Pick(100, 10_000, 100_000);

    [ParamsSource(nameof(Sizes))]
    public int N { get; set; }

    /// <summary>One delay per child.</summary>
    protected TimeSpan[] Delays { get; private set; } = [];

    /// <summary>Long-lived, like the runtime's own timer queues: the heap keeps its size between operations.</summary>
    protected EventLoop Loop { get; private set; } = null!;

    /// <summary>The longest delay, in milliseconds.</summary>
    protected abstract int MaxDelayMilliseconds { get; }

    [GlobalSetup]
    public void Setup()
    {
        Delays = Children.RandomDelays(N, MaxDelayMilliseconds);
        Loop = new EventLoop(CreateClock());
        OnSetup();
    }

    [GlobalCleanup]
    public void Cleanup() => Loop.Dispose();

    /// <summary>The clock <see cref="Loop"/> runs on.</summary>
    protected abstract LoopClock CreateClock();

    /// <summary>Setup of the derived class, after <see cref="Delays"/> and <see cref="Loop"/> exist.</summary>
    protected virtual void OnSetup()
    {
    }

    /// <summary>N bare <see cref="EventLoop.Sleep(TimeSpan)"/> calls on <see cref="Loop"/>, joined with Task.WhenAll.</summary>
    protected long SleepAllOnLoop() => Loop.Run(async () =>
    {
        var tasks = new Task<int>[Delays.Length];
        for (var i = 0; i < tasks.Length; i++) tasks[i] = Children.SleepOnLoopAsync(Delays[i]);
        return Children.Sum(await Task.WhenAll(tasks));
    });
}
