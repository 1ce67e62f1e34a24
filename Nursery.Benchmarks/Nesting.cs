using Nito.AsyncEx;
using Nursery.Benchmarks.Baselines;

namespace Nursery.Benchmarks;

/// <summary>
/// Nested scopes: a chain of <c>depth</c> levels, each of which starts the next level as a child in a scope of its
/// own and joins it; the innermost child yields once and returns 1, and every level returns what it joined. A run
/// repeats the chain one after another until about <c>levels</c> levels have run, so depth 1 and depth 1,000 do
/// the same amount of work and the cost per level shows whether deeper chains cost more per level.
/// </summary>
/// <remarks>
/// Nursery: a <see cref="TaskManager"/> per level. Task.Run: <c>await Task.Run(next level)</c> per level. The
/// single-threaded peers (the minimal loop, the Task-per-post context, Nito's AsyncContext) have no child tasks:
/// each level awaits the next as a plain async call, which is the least a nested join can do on one thread.
/// </remarks>
public static class Nesting
{
    /// <summary>How many times a run repeats the chain of <paramref name="depth"/> levels to reach about <paramref name="levels"/> levels.</summary>
    public static int Repetitions(int depth, int levels)
    {
        if (depth < 1) throw new ArgumentOutOfRangeException(nameof(depth), $"--depth must be at least 1, not {depth}.");
        return Math.Max(1, levels / depth);
    }

    /// <summary>The runner of one implementation (by the name the console mode and compare.sh use); each returns the sum of the chains' results.</summary>
    public static (Func<long> Run, Action Cleanup) Create(string impl, int depth, int repetitions)
    {
        switch (impl)
        {
            case "nursery":
                var loop = new EventLoop();
                return (() => loop.Run(() => RepeatAsync(repetitions, () => NurseryLevelAsync(loop, depth))), loop.Dispose);
            case "taskrun":
                return (() => Task.Run(() => RepeatAsync(repetitions, () => TaskRunLevelAsync(depth))).GetAwaiter().GetResult(), () => { });
            case "minimal":
                var minimal = new MinimalLoop();
                return (() => minimal.Run(() => RepeatAsync(repetitions, () => AwaitLevelAsync(depth))), () => { });
            case "taskperpost":
                return (() =>
                {
                    using var context = new TaskPerPostContext();
                    return context.Run(() => RepeatAsync(repetitions, () => AwaitLevelAsync(depth)));
                }, () => { });
            case "asynccontext":
                return (() => AsyncContext.Run(() => RepeatAsync(repetitions, () => AwaitLevelAsync(depth))), () => { });
            default:
                throw new ArgumentException($"Unknown --impl '{impl}' for nesting: use nursery, taskrun, minimal, taskperpost or asynccontext.");
        }
    }

    private static async Task<long> RepeatAsync(int repetitions, Func<Task<int>> chain)
    {
        long sum = 0;
        for (var r = 0; r < repetitions; r++) sum += await chain();
        return sum;
    }

    private static async Task<int> NurseryLevelAsync(EventLoop loop, int depth)
    {
        if (depth == 0)
        {
            await EventLoop.Yield();
            return 1;
        }
        ChildTask<int> child;
        await using (var tm = new TaskManager(loop))
        {
            child = tm.Spawn(() => NurseryLevelAsync(loop, depth - 1));
        }
        return child.Result;
    }

    private static async Task<int> TaskRunLevelAsync(int depth)
    {
        if (depth == 0)
        {
            await Task.Yield();
            return 1;
        }
        return await Task.Run(() => TaskRunLevelAsync(depth - 1));
    }

    private static async Task<int> AwaitLevelAsync(int depth)
    {
        if (depth == 0)
        {
            await Task.Yield();
            return 1;
        }
        return await AwaitLevelAsync(depth - 1);
    }
}
