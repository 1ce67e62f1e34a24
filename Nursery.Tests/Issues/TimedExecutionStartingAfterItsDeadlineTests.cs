namespace Nursery.Tests.Issues;

/// <summary>
/// Found by running the suite under schedule seeds (issue 10, item 6): Dispatcher.Execute with a timeout let the work
/// start with a single Yield before arming the deadline. Under a seed the yield's continuation could run before the
/// child's start in the same batch; with the deadline already past (a slow start), the child was cancelled before it
/// ever ran, and work that ignores cancellation did not get to deliver its result.
/// </summary>
public class TimedExecutionStartingAfterItsDeadlineTests
{
    [Fact]
    public void RunAsync_WithTheDeadlineAlreadyPast_StartsTheWorkUnderEverySeed()
    {
        for (var seed = 1; seed <= 20; seed++)
        {
            var result = Guard.Run(() =>
            {
                using var loop = new EventLoop(new VirtualClock(), new LoopOptions { ScheduleSeed = seed });
                return loop.Run(async () =>
                {
                    await EventLoop.Sleep(S(1));
                    var execution = new TimedExecution<string>(async ct =>
                    {
                        try { await EventLoop.Sleep(TimeSpan.FromHours(1), ct); }
                        catch (OperationCanceledException) { } // ignores the timeout: its result still counts
                        return "finished late";
                    }, deadline: loop.Now, timeout: Ms(20));
                    return await execution.RunAsync(CancellationToken.None);
                });
            });
            Assert.Equal("finished late", result);
        }
    }
}
