namespace Nursery.Tests.Issues;

/// <summary>
/// Issue 13, bug 1: work abandoned when a Run ended resumed in a later Run of the same loop: a child of a manager that
/// was never joined, a fire-and-forget async method started in the first run, and the same on a
/// <see cref="SharedLoop"/> (which runs its loop again after its last release). Variant found while fixing it:
/// fire-and-forget code inside a child of a manager that was joined normally (the child ended, its stray async method
/// kept waiting on a thread-pool timer) must not resume in the next run either.
/// </summary>
/// <remarks>
/// The repro awaited <c>Task.Delay(100)</c> and ran the second <c>Run</c> 400 ms later; here the awaited task is
/// completed on the loop thread during the second run, which posts the continuation at once: the same interleaving,
/// every time, without real time.
/// </remarks>
public class AbandonedWorkResumingInALaterRunTests
{
    [Fact]
    public void ChildOfANeverJoinedManager_ItsAwaitCompletingDuringALaterRun_DoesNotResume() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        var released = new TaskCompletionSource();
        var resumed = 0;
        ChildTask? child = null;
        loop.Run(async () =>
        {
            var tm = new TaskManager(loop); // never joined: abandoned when Run returns
            child = tm.Spawn(async () =>
            {
                await released.Task;
                resumed++;
            });
            await EventLoop.Yield(); // the child starts and waits
        });
        Assert.Equal(ChildTaskStatus.Cancelled, child!.Status);

        loop.Run(async () =>
        {
            released.SetResult();
            await EventLoop.Yield();
            await EventLoop.Yield();
        });
        Assert.Equal(0, resumed);
        Assert.Equal(ChildTaskStatus.Cancelled, child.Status);
    });

    [Fact]
    public void FireAndForgetMethodOfAnEarlierRun_ItsAwaitCompletingDuringALaterRun_DoesNotResume() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        var released = new TaskCompletionSource();
        var resumed = 0;
        loop.Run(async () =>
        {
            _ = StrayAsync(); // fire and forget at the top of the loop
            await EventLoop.Yield();
        });

        loop.Run(async () =>
        {
            released.SetResult();
            await EventLoop.Yield();
            await EventLoop.Yield();
        });
        Assert.Equal(0, resumed);

        async Task StrayAsync()
        {
            await released.Task;
            resumed++;
        }
    });

    [Fact]
    public void SharedLoop_WorkOfAnEarlierRun_DoesNotResumeWhenTheLoopRunsAgain() => Guard.Run(() =>
    {
        var shared = new SharedLoop(new VirtualClock());
        var released = new TaskCompletionSource();
        var resumed = 0;
        // The first Await holds the only token: its return stops the loop, abandoning the stray code.
        Assert.Equal(1, shared.Await(async ct =>
        {
            _ = StrayAsync();
            await EventLoop.Yield();
            return 1;
        }));
        Assert.False(shared.IsRunning);

        // The same EventLoop runs again: the stray continuation, posted now, must be dropped.
        Assert.Equal(2, shared.Await(async ct =>
        {
            released.SetResult();
            await EventLoop.Yield();
            await EventLoop.Yield();
            return 2;
        }));
        Assert.Equal(0, resumed);

        async Task StrayAsync()
        {
            await released.Task;
            resumed++;
        }
    });

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
