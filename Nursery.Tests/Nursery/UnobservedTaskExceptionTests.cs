using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Nursery.Tests.Nursery;

/// <summary>A failing run leaves no faulted task for the finalizer to report as unobserved.</summary>
/// <remarks>
/// TaskScheduler.UnobservedTaskException is process-wide, and xunit runs other test classes in parallel, some of
/// which may well leak faulted tasks of their own (or force collections that raise them). So the handler only
/// counts exceptions tagged for this test (Boom with a tag carrying a fresh Guid): nothing else can make it fail,
/// and it cannot make anything else fail.
/// </remarks>
public class UnobservedTaskExceptionTests
{
    private static bool IsOurs(Exception e, string tag) =>
        Catch.Leaves(e).Any(leaf => leaf is Boom boom && boom.Tag.StartsWith(tag, StringComparison.Ordinal));

    /// <summary>Runs a failing program whose tasks are all unreachable once this method returns.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RunAFailingProgram(string tag)
    {
        var e = Record.Exception(() => Virtual.Run(async loop =>
        {
            var tm = new TaskManager(loop);
            // Completion asked for before the end (a source completed later) and never awaited:
            _ = tm.Spawn(() => Failing.AfterAsync<int>(S(1), new Boom($"{tag} child 1"))).Completion;
            var late = tm.Spawn(() => Failing.AfterAsync(S(1), new Boom($"{tag} child 2")));
            var cancelled = tm.Spawn(async ct => { await EventLoop.Sleep(S(10), ct); });
            _ = cancelled.Completion;
            using var cts = new CancellationTokenSource();
            _ = EventLoop.Sleep(TimeSpan.FromHours(1), cts.Token); // a cancelled sleep nobody awaits
            cts.Cancel();
            try
            {
                await tm.DisposeAsync();
            }
            finally
            {
                _ = late.Completion; // asked for after the end (a finished task built on demand), never awaited
            }
        }));
        Assert.IsType<AggregateException>(e);

        var e2 = Record.Exception(() => Virtual.Run(async loop =>
        {
            // RunAsync with a failing body and a failing child; a nested manager's failure.
            await TaskManager.RunAsync(async tm =>
            {
                tm.Spawn(async () =>
                {
                    await using var inner = new TaskManager(loop);
                    inner.Spawn(async () => { await EventLoop.Yield(); throw new Boom($"{tag} grandchild"); });
                });
                await EventLoop.Sleep(S(1));
            });
        }));
        Assert.IsType<Boom>(e2);
    }

    /// <summary>A faulted task that is really left unobserved, to prove the handler can see one here.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LeakAFaultedTask(string tag) => _ = Task.FromException(new Boom($"{tag} deliberate leak"));

    private static void CollectEverything()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    [Fact]
    public void FailingRun_AfterFullCollection_RaisesNoUnobservedTaskException()
    {
        var tag = $"unobserved-{Guid.NewGuid():N}";
        var ours = new ConcurrentQueue<Exception>();
        void Handler(object? sender, UnobservedTaskExceptionEventArgs args)
        {
            if (IsOurs(args.Exception, tag)) ours.Enqueue(args.Exception);
        }

        TaskScheduler.UnobservedTaskException += Handler;
        try
        {
            RunAFailingProgram(tag);
            CollectEverything();
            Assert.True(ours.IsEmpty, $"unobserved: {string.Join("; ", ours.SelectMany(Catch.Leaves).Select(x => x.Message))}");

            // The check can fail: a task that really is left faulted and unobserved is reported here.
            LeakAFaultedTask(tag);
            CollectEverything();
            Assert.Contains(ours, e => IsOurs(e, $"{tag} deliberate leak"));
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= Handler;
        }
    }
}
