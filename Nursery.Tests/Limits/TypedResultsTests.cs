namespace Nursery.Tests.Limits;

/// <summary>Typed results (ResultsOf / ValuesOf) and typed catches that work for one failure and for several.</summary>
public class TypedResultsTests
{
    [Fact]
    public void ResultsOf_ReturnsTheCompletedResultsOfThatTypeInSpawnOrder() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        tm.Spawn(async () => { await EventLoop.Sleep(S(2)); return 1; });
        tm.Spawn(async () => "text");
        tm.Spawn(async () => { await EventLoop.Sleep(S(1)); return 2; });
        tm.Spawn(() => EventLoop.Sleep(S(1)));
        var cancelled = tm.Spawn(async () => { await EventLoop.Sleep(S(5)); return 3; });
        await EventLoop.Sleep(S(3));
        cancelled.Cancel();
        await tm.DisposeAsync();
        Assert.Equal([1, 2], tm.ResultsOf<int>());
        Assert.Equal(["text"], tm.ResultsOf<string>());
        Assert.Empty(tm.ResultsOf<DateTime>());
    });

    [Fact]
    public void ValuesOf_PairsEachTypedChildWithItsResult() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var a = tm.Spawn(async () => 10);
        var b = tm.Spawn(async () => 20);
        tm.Spawn(async () => "other");
        await tm.DisposeAsync();
        var values = tm.ValuesOf<int>();
        Assert.Equal(2, values.Count);
        Assert.Equal(10, values[a]);
        Assert.Equal(20, values[b]);
        Assert.Equal([a, b], values.Keys);
    });

    [Fact]
    public void Has_TypedCatch_MatchesOneFailureAndAnAggregateAlike() => Virtual.Run(async loop =>
    {
        var bad = new InvalidDataException("bad data");
        async Task RunAsync(bool siblingCleanupThrows)
        {
            await using var tm = new TaskManager(loop);
            tm.Spawn(async () => { await EventLoop.Sleep(S(1)); throw bad; });
            tm.Spawn(async () =>
            {
                try
                {
                    await EventLoop.Sleep(S(5));
                }
                finally
                {
                    if (siblingCleanupThrows) throw new IOException("cleanup");
                }
            });
        }

        foreach (var cleanupThrows in new[] { false, true })
        {
            InvalidDataException? caught = null;
            try
            {
                await RunAsync(cleanupThrows);
            }
            catch (Exception e) when (e.Has<InvalidDataException>(out var found))
            {
                caught = found;
            }
            Assert.Same(bad, caught);
        }
    });

    [Fact]
    public void Failures_FlattensNestedAggregatesInOrder()
    {
        var a = new Boom("a");
        var b = new Boom("b");
        var c = new InvalidOperationException("c");
        var nested = new AggregateException(a, new AggregateException(b, c));
        Assert.Equal([a, b, c], nested.Failures());
        Assert.Equal([a], a.Failures());
        Assert.True(nested.Has<InvalidOperationException>());
        Assert.False(nested.Has<IOException>());
        Assert.False(nested.HasOnly<Boom>());
        Assert.True(new AggregateException(a, b).HasOnly<Boom>());
        Assert.Throws<ArgumentNullException>(() => ExceptionFilters.Has<Boom>(null!));
        Assert.Equal("exception", Assert.Throws<ArgumentNullException>(() => ExceptionFilters.Failures(null!)).ParamName);
        var empty = new AggregateException();
        Assert.Equal([empty], empty.Failures()); // an empty aggregate counts as itself: the list is never empty
    }

    [Fact]
    public void Has_DoesNotLookInsideInnerException()
    {
        var timeout = new TimeoutException("deadline", new OperationCanceledException());
        Assert.False(timeout.Has<OperationCanceledException>());
        Assert.True(timeout.Has<TimeoutException>());
    }
}
