using Nursery.Benchmarks.Baselines;

namespace Nursery.Benchmarks;

/// <summary>
/// The cross-thread submit scenario, shared by the benchmark and the console mode that scales the producer count:
/// P producer threads start together, each submits its share of the items and waits for every one of its results.
/// </summary>
public static class Submission
{
    /// <summary>Returned by every work item: the work is trivial, so the scenario measures the transfer.</summary>
    private static readonly Task<int> s_one = Task.FromResult(1);

    private static readonly Func<CancellationToken, Task<int>> s_work = _ => s_one;

    /// <summary>Every loop host the scenario compares, by the name the console mode and compare.sh use.</summary>
    public static ISubmitTarget CreateTarget(string impl) => impl switch
    {
        "floor" => new BareQueueLoop(),
        "inbox" => new NurseryInboxTarget(),
        "loopthread" => new LoopThreadTarget(),
        "taskperpost" => new TaskPerPostThread(),
        "asynccontext" => new AsyncContextThreadTarget(),
        _ => throw new ArgumentException($"Unknown --impl '{impl}' for submit: use floor, inbox, loopthread, taskperpost or asynccontext."),
    };

    /// <summary>
    /// Submits <paramref name="items"/> work items in total from <paramref name="producers"/> threads (the remainder
    /// of the split goes to the first producer) and returns the sum of the results, which must equal the item count.
    /// </summary>
    public static long Drive(ISubmitTarget target, int items, int producers)
    {
        if (producers < 1 || items < producers)
            throw new ArgumentOutOfRangeException(nameof(producers), $"Need 1 to {items} producers for {items} items, not {producers}.");
        var sums = new long[producers];
        var threads = new Thread[producers];
        using var start = new Barrier(producers);
        for (var p = 0; p < producers; p++)
        {
            var index = p;
            var count = items / producers + (p == 0 ? items % producers : 0);
            threads[p] = new Thread(() =>
            {
                start.SignalAndWait();
                sums[index] = Produce(target, count);
            });
            threads[p].Start();
        }
        foreach (var thread in threads) thread.Join();
        return sums.Sum();
    }

    private static long Produce(ISubmitTarget target, int count)
    {
        var results = new Task<int>[count];
        for (var i = 0; i < results.Length; i++) results[i] = target.Submit(s_work);
        return Children.Sum(Task.WhenAll(results).GetAwaiter().GetResult());
    }
}
