namespace Nursery.Tests.Issues;

/// <summary>
/// Issue 13, bug 1: work abandoned when a Run ended resumed in a later Run of the same loop. Variant found while
/// fixing it: fire-and-forget code inside a child of a manager that was joined normally (the child ended, its stray
/// async method kept waiting on a thread-pool timer) must not resume in the next run either.
/// </summary>
public class AbandonedWorkResumingInALaterRunTests
{
    [Fact]
    public void StrayCodeOfAJoinedChild_ResumingDuringALaterRun_DoesNotRun() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        var resumed = 0;
        // Completing it on the loop thread posts the stray continuation right away (no thread-pool hop to wait for).
        var released = new TaskCompletionSource();
        loop.Run(async () =>
        {
            await using var tm = new TaskManager(loop);
            tm.Spawn(() =>
            {
                _ = StrayAsync(); // fire and forget: not part of the child
                return Task.CompletedTask;
            });
        });

        // The stray code's await completes during the second run: its continuation must be dropped, not run.
        loop.Run(async () =>
        {
            released.SetResult();
            await EventLoop.Yield(); // anything it posted would have run before this resumes
            await EventLoop.Yield();
        });
        Assert.Equal(0, resumed);

        async Task StrayAsync()
        {
            await released.Task;
            resumed++;
        }
    });
}
