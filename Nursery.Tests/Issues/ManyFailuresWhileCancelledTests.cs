namespace Nursery.Tests.Issues;

/// <summary>
/// Issue 13, bug 7: recording failures was quadratic. 200k children that each throw in <c>finally</c> while being
/// cancelled took 19–60 s to join, against 3–4 s when they did not throw: each failure was de-duplicated by a linear
/// search through the failures recorded before it.
/// </summary>
/// <remarks>
/// Tests assert behaviour, not speed: this one checks that every one of many failures is reported exactly once and in
/// the order they happened in (under a shuffled schedule the cancelled siblings resume in another order, so the test
/// compares with <see cref="TaskManager.Failures"/>, not with spawn order). The cost is measured by the benchmark (FailureFanOutBenchmarks with SiblingsThrow, and the console mode
/// <c>fanout --finally throw</c>); docs/testing.md has the numbers before and after the fix.
/// </remarks>
public class ManyFailuresWhileCancelledTests
{
    /// <summary>Enough for the old quadratic cost to show (200 million comparisons) in a test that stays fast.</summary>
    private const int Siblings = 20_000;

    [Fact]
    public void Join_ManySiblingsThrowingFromFinallyWhileCancelled_ReportsEveryFailureOnceInTheOrderTheyHappened() => Virtual.Run(async loop =>
    {
        var tm = new TaskManager(loop);
        for (var i = 0; i < Siblings; i++)
        {
            var tag = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            tm.Spawn(() => ThrowWhenCancelledAsync(tag));
        }
        var first = new Boom("first");
        tm.Spawn(() => Failing.AfterAsync(S(1), first));

        var e = Assert.IsType<AggregateException>(await Catch.ExceptionAsync(async () => await tm.DisposeAsync()));

        Assert.Equal(Siblings + 1, e.InnerExceptions.Count);
        Assert.Same(first, e.InnerExceptions[0]);
        var tags = e.InnerExceptions.Skip(1).Select(x => Assert.IsType<Boom>(x).Tag).ToList();
        var expected = Enumerable.Range(0, Siblings).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(expected.Order(StringComparer.Ordinal), tags.Order(StringComparer.Ordinal)); // each exactly once
        Assert.Equal(e.InnerExceptions, tm.Failures.Select(f => f.Exception)); // in the order they were recorded
    }, timeout: TimeSpan.FromSeconds(60));

    private static async Task ThrowWhenCancelledAsync(string tag)
    {
        try
        {
            await EventLoop.Sleep(TimeSpan.FromHours(1));
        }
        finally
        {
            ThrowFromCleanup(new Boom(tag));
        }
    }

    private static void ThrowFromCleanup(Exception failure) => throw failure;
}
