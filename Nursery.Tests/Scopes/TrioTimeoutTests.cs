
namespace Nursery.Tests.Scopes;

/// <summary>
/// Ports of Trio's <c>trio/_tests/test_timeouts.py</c>. The originals measure real time with a fudge factor; on a
/// virtual clock the times are exact, so these assert them exactly.
/// </summary>
public class TrioTimeoutTests
{
    [Fact]
    public void Trio_test_sleep() => Virtual.Run(async loop =>
    {
        await EventLoop.Sleep(S(1));
        Assert.Equal(S(1), loop.Now);

        // A zero sleep is a checkpoint; and the trivial move_on_at(now) cancels it.
        var scope = CancelScope.AtDeadline(loop.Now);
        await scope.RunAsync(_ => EventLoop.Sleep(TimeSpan.Zero));
        Assert.True(scope.CancelledCaught); // the zero sleep was cancelled
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void Trio_test_move_on_after() => Virtual.Run(async loop =>
    {
        var finished = await CancelScope.MoveOnAfter(S(1), _ => EventLoop.Sleep(S(100)));
        Assert.False(finished);
        Assert.Equal(S(1), loop.Now);
    });

    [Fact]
    public void Trio_test_fail() => Virtual.Run(async loop =>
    {
        // fail_at: an absolute deadline, through a scope and the FailAfter rule.
        var failAt = CancelScope.AtDeadline(loop.Now + S(1));
        await failAt.RunAsync(_ => EventLoop.Sleep(S(100)));
        Assert.True(failAt.CancelledCaught);
        Assert.Equal(S(1), loop.Now);

        await CancelScope.FailAfter(S(100), async _ => await EventLoop.Sleep(TimeSpan.Zero));

        var e = await Catch.ExactlyAsync<TimeoutException>(() => CancelScope.FailAfter(S(1), _ => EventLoop.Sleep(S(100))));
        Assert.Equal(S(2), loop.Now);
        Assert.IsAssignableFrom<OperationCanceledException>(e.InnerException);

        await CancelScope.FailAfter(S(100), async _ => await EventLoop.Sleep(TimeSpan.Zero));
        Assert.Equal(S(2), loop.Now);
    });

    /// <summary>Negative delays are refused by every timeout helper (deadlines, being absolute, may lie in the past).</summary>
    [Fact]
    public void Trio_test_timeouts_raise_value_error() => Virtual.Run(async loop =>
    {
        var minus = S(-1);
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = EventLoop.Sleep(minus); });

        Assert.Throws<ArgumentOutOfRangeException>(() => CancelScope.AfterDelay(minus));

        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = CancelScope.FailAfter(minus, _ => Task.CompletedTask); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = CancelScope.FailAfter(minus, _ => Task.FromResult(1)); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = CancelScope.MoveOnAfter(minus, _ => Task.CompletedTask); });

        // An absolute deadline in the past is allowed: the body starts and its first checkpoint throws.
        var past = CancelScope.AtDeadline(minus);
        var ran = false;
        await past.RunAsync(async _ => { ran = true; await EventLoop.Yield(); });
        Assert.True(ran);
        Assert.True(past.CancelledCaught);
    });

    [Fact]
    public void Trio_test_timeout_deadline_on_entry()
    {
        var clock = new VirtualClock();
        Virtual.Run(async loop =>
        {
            var scope = CancelScope.AfterDelay(S(5));
            Assert.Equal(TimeSpan.MaxValue, scope.Deadline); // fixed only on entry
            clock.Advance(S(3));
            var start = loop.Now;
            await scope.RunAsync(async _ => Assert.Equal(start + S(5), scope.Deadline));
            Assert.Equal(S(8), scope.Deadline);
        }, clock);
    }
}
