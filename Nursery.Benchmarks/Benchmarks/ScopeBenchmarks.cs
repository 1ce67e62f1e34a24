using BenchmarkDotNet.Attributes;

namespace Nursery.Benchmarks;

/// <summary>
/// Cancel scopes per child (issue 8): N children, each yields once under a timeout that never fires, and the parent
/// collects their results. Nursery's scopes (a scope without a deadline, FailAfter, MoveOnAfter) side by side with
/// what .NET code writes without them: a linked CancellationTokenSource with CancelAfter per child, and
/// Task.WaitAsync(timeout), both inside Nursery children and in thread-pool code (Task.Run + WhenAll). The ratio
/// column is against Nursery children without any timeout, so each row's excess is the price of its mechanism.
/// </summary>
/// <remarks>
/// The loop is long-lived and on the system clock (CancelAfter and WaitAsync arm real timers; FailAfter puts its
/// deadline in the loop's own timer heap), as in <see cref="SpawnJoinBenchmarks"/>.
/// </remarks>
[MemoryDiagnoser]
public class ScopeBenchmarks
{
    private EventLoop _loop = null!;

    public static IEnumerable<int> Sizes => BenchSizes.Pick(100, 10_000, 100_000);

    [ParamsSource(nameof(Sizes))]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup() => _loop = new EventLoop();

    [GlobalCleanup]
    public void Cleanup() => _loop.Dispose();

    [Benchmark(Baseline = true, Description = "Nursery, no timeout")]
    public long NoTimeout() => Spawn(Children.YieldOnLoop);

    [Benchmark(Description = "Nursery, CancelScope (no deadline)")]
    public long PlainScope() => Spawn(ScopeChildren.PlainScope);

    [Benchmark(Description = "Nursery, FailAfter")]
    public long FailAfter() => Spawn(ScopeChildren.FailAfter);

    [Benchmark(Description = "Nursery, MoveOnAfter")]
    public long MoveOnAfter() => Spawn(ScopeChildren.MoveOnAfter);

    [Benchmark(Description = "Nursery, linked CTS + CancelAfter")]
    public long LinkedTokenOnLoop() => _loop.Run(() => SpawnAndJoinAsync(_loop, N, static tm => tm.Spawn(ScopeChildren.LinkedTokenOnLoop)));

    [Benchmark(Description = "Nursery, Task.WaitAsync(timeout)")]
    public long WaitAsyncOnLoop() => Spawn(ScopeChildren.WaitAsyncOnLoop);

    [Benchmark(Description = "Task.Run + WhenAll, no timeout")]
    public long TaskRunNoTimeout() => RunAll(Children.TaskYield);

    [Benchmark(Description = "Task.Run + WhenAll, linked CTS + CancelAfter")]
    public long TaskRunLinkedToken()
    {
        using var outer = new CancellationTokenSource();
        var token = outer.Token;
        return RunAll(() => ScopeChildren.LinkedTokenTaskYield(token));
    }

    [Benchmark(Description = "Task.Run + WhenAll, Task.WaitAsync(timeout)")]
    public long TaskRunWaitAsync() => RunAll(ScopeChildren.WaitAsyncTaskYield);

    private long Spawn(Func<Task<int>> body) => _loop.Run(() => SpawnAndJoinAsync(_loop, N, tm => tm.Spawn(body)));

    private long RunAll(Func<Task<int>> body)
    {
        var tasks = new Task<int>[N];
        for (var i = 0; i < tasks.Length; i++) tasks[i] = Task.Run(body);
        return Children.Sum(Task.WhenAll(tasks).GetAwaiter().GetResult());
    }

    private static async Task<long> SpawnAndJoinAsync(EventLoop loop, int n, Func<TaskManager, ChildTask<int>> spawn)
    {
        var children = new ChildTask<int>[n];
        await using (var tm = new TaskManager(loop))
        {
            for (var i = 0; i < children.Length; i++) children[i] = spawn(tm);
        }
        return Children.Sum(children);
    }
}
