using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Nursery.Tests.Issues;

/// <summary>
/// Issue 13, bug 10: unobserved task exceptions from abandoned children whose bodies fail later (20 events in 20
/// runs). A child abandoned when its loop stops ends Cancelled; a body that goes on off the loop (on the thread pool)
/// and fails afterwards has nobody left to report to, and that failure must not surface as an unobserved task
/// exception either. Zero unobserved exceptions on every path.
/// </summary>
/// <remarks>
/// UnobservedTaskException is process-wide and tests run in parallel: only exceptions tagged for this test count.
/// </remarks>
public class AbandonedChildrenFailingLaterTests
{
    private const int Runs = 20;

    [Fact]
    public void AbandonedChildren_WhoseBodiesFailAfterTheRun_RaiseNoUnobservedTaskException()
    {
        var tag = $"abandoned-{Guid.NewGuid():N}";
        var ours = new ConcurrentQueue<Exception>();
        void Handler(object? sender, UnobservedTaskExceptionEventArgs args)
        {
            if (IsOurs(args.Exception, tag)) ours.Enqueue(args.Exception);
        }

        TaskScheduler.UnobservedTaskException += Handler;
        try
        {
            Assert.True(AllEnd(RunAndAbandon(tag), TimeSpan.FromSeconds(20)), "the abandoned bodies did not fail in time");
            CollectEverything();
            Assert.True(ours.IsEmpty, $"{ours.Count} unobserved: {string.Join("; ", ours.SelectMany(Catch.Leaves).Select(x => x.Message).Take(3))}");

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

    /// <summary>
    /// Runs a loop <see cref="Runs"/> times; each run abandons a child whose body is still going on the thread pool and
    /// fails once the run has ended. Returns tasks that end once those bodies have failed: continuations, which do not
    /// observe the failure (only reading Exception or awaiting does).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Task[] RunAndAbandon(string tag)
    {
        var bodiesEnded = new Task[Runs];
        Guard.Run(() =>
        {
            using var loop = new EventLoop(new VirtualClock());
            for (var run = 0; run < Runs; run++)
            {
                var release = new ManualResetEventSlim();
                var label = $"{tag} run {run}";
                var index = run;
                loop.Run(async () =>
                {
                    var tm = new TaskManager(loop); // never joined: its child is abandoned when Run returns
                    tm.Spawn(() =>
                    {
                        var body = Task.Run(() =>
                        {
                            release.Wait();
                            throw new Boom(label);
                        });
                        bodiesEnded[index] = body.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                        return body;
                    });
                    // Until the child's body has started: a shuffled schedule may run this before the child.
                    while (Volatile.Read(ref bodiesEnded[index]) is null) await EventLoop.Yield();
                });
                release.Set(); // the body fails now, after its child was abandoned
            }
        });
        return bodiesEnded;
    }

    /// <summary>Waits (blocking, off any loop) until every task has ended; false on timeout.</summary>
    private static bool AllEnd(Task[] tasks, TimeSpan timeout) => Task.WaitAll(tasks, timeout);

    private static bool IsOurs(Exception e, string tag) =>
        Catch.Leaves(e).Any(leaf => leaf is Boom boom && boom.Tag.StartsWith(tag, StringComparison.Ordinal));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LeakAFaultedTask(string tag) => _ = Task.FromException(new Boom($"{tag} deliberate leak"));

    private static void CollectEverything()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }
}
