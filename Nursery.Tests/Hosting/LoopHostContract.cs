using System.Collections.Concurrent;

namespace Nursery.Tests.Hosting;

/// <summary>
/// The contract every <see cref="ILoopHost"/> meets (contract sections 3 and 4 of issue 3), written once and run
/// against each implementation. Tests drive the host from the test's thread, as synchronous code does.
/// </summary>
public abstract class LoopHostContract
{
    private static readonly AsyncLocal<string?> s_callerValue = new();

    /// <summary>A started host; <paramref name="stopTimeout"/> overrides its StopTimeout.</summary>
    protected abstract HostUnderTest Start(TimeSpan? stopTimeout = null);

    protected static int LoopThreadOf(ILoopHost host) =>
        Blocking.Result(host.Submit(_ => Task.FromResult(Environment.CurrentManagedThreadId)));

    [Fact]
    public void Submit_FromAnotherThread_RunsTheWorkOnTheLoopThreadAndReturnsItsResult()
    {
        Guard.Run(() =>
        {
            using var running = Start();
            var host = running.Host;
            var (thread, loop) = Blocking.Result(host.Submit(async ct =>
            {
                var before = Environment.CurrentManagedThreadId;
                await EventLoop.Sleep(Ms(5), ct);
                Assert.Equal(before, Environment.CurrentManagedThreadId);
                return (before, EventLoop.Current);
            }));
            Assert.NotEqual(Environment.CurrentManagedThreadId, thread);
            Assert.Same(host.Loop, loop);
        });
    }

    [Fact]
    public void Submit_WorkWithoutResult_EndsWhenTheWorkEnds()
    {
        Guard.Run(() =>
        {
            using var running = Start();
            var ran = false;
            var task = running.Host.Submit(async ct =>
            {
                await EventLoop.Yield();
                ran = true;
            });
            Blocking.Ended(task);
            Assert.True(task.IsCompletedSuccessfully);
            Assert.True(ran);
        });
    }

    [Fact]
    public void Submit_WhenWorkFails_FailsOnlyItsOwnTaskWithTheSameExceptionAndSiblingsKeepRunning()
    {
        Guard.Run(() =>
        {
            using var running = Start();
            var host = running.Host;
            var release = host.CreateEvent();
            var sibling = host.Submit(async ct =>
            {
                await release.WaitAsync(ct);
                return "sibling finished";
            });
            var boom = new Boom("work");
            var failing = host.Submit<int>(async ct =>
            {
                await EventLoop.Yield();
                throw boom;
            });

            Assert.Same(boom, Blocking.Failure(failing));
            Assert.False(sibling.IsCompleted);
            release.Set();
            Assert.Equal("sibling finished", Blocking.Result(sibling));
            Assert.True(host.IsRunning);
            Assert.Equal(5, Blocking.Result(host.Submit(_ => Task.FromResult(5))));
        });
    }

    [Fact]
    public void Submit_WhenWorkThrowsBeforeReturningATask_FailsItsTask()
    {
        Guard.Run(() =>
        {
            using var running = Start();
            var boom = new Boom("synchronous");
            Assert.Same(boom, Blocking.Failure(running.Host.Submit<int>(_ => throw boom)));
            Assert.Same(boom, Blocking.Failure(running.Host.Submit(_ => throw boom)));
        });
    }

    [Fact]
    public void Submit_WhenWorkReturnsNull_FailsWithInvalidOperationException()
    {
        Guard.Run(() =>
        {
            using var running = Start();
#pragma warning disable VSTHRD114 // Returning null is the point of the test.
            Assert.IsType<InvalidOperationException>(Blocking.Failure(running.Host.Submit<int>(_ => null!)));
#pragma warning restore VSTHRD114
        });
    }

    [Fact]
    public void Submit_WhenWorkIsCancelledByItsOwnToken_EndsCancelledWithThatToken()
    {
        Guard.Run(() =>
        {
            using var running = Start();
            using var cts = new CancellationTokenSource();
            cts.Cancel();
            var task = running.Host.Submit<int>(async _ =>
            {
                await Task.Delay(1, cts.Token);
                return 1;
            });
            Blocking.Ended(task);
            Assert.True(task.IsCanceled);
            var e = Assert.ThrowsAny<OperationCanceledException>(() => task.GetAwaiter().GetResult());
            Assert.Equal(cts.Token, e.CancellationToken);
            Assert.True(running.Host.IsRunning);
        });
    }

    [Fact]
    public void Submit_FlowsTheSubmittersAsyncLocalValuesIntoTheWork()
    {
        Guard.Run(() =>
        {
            using var running = Start();
            var host = running.Host;
            var seen = Enumerable.Range(0, 4).Select(i => Blocking.OnNewThread(() =>
            {
                s_callerValue.Value = $"caller {i}";
                return host.Submit(async ct =>
                {
                    await EventLoop.Yield();
                    return s_callerValue.Value;
                });
            })).Select(Blocking.Result).ToList();
            Assert.Equal(["caller 0", "caller 1", "caller 2", "caller 3"], seen);
        });
    }

    [Fact]
    public void Submit_ContinuationsOfTheReturnedTask_NeverRunOnTheLoopThread()
    {
        Guard.Run(() =>
        {
            using var running = Start();
            var host = running.Host;
            var loopThread = LoopThreadOf(host);
            var release = host.CreateEvent();
            var task = host.Submit(async ct =>
            {
                await release.WaitAsync(ct);
                return 1;
            });
            var continuationThread = task.ContinueWith(_ => Environment.CurrentManagedThreadId, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            release.Set();
            Assert.NotEqual(loopThread, Blocking.Result(continuationThread));
        });
    }

    [Fact]
    public void Stop_CancelsWorkInFlightJoinsItAndEveryReturnedTaskEnds()
    {
        Guard.Run(() =>
        {
            using var running = Start(stopTimeout: Timeout.InfiniteTimeSpan); // Stop must join, not give up
            var host = running.Host;
            using var started = new CountdownEvent(3);
            var cleanedUp = 0;
            Task Tracked(Func<CancellationToken, Task> body) => host.Submit(async ct =>
            {
                try
                {
                    started.Signal();
                    await body(ct);
                }
                finally
                {
                    await Task.Delay(Ms(20), CancellationToken.None); // cleanup that takes a while
                    Interlocked.Increment(ref cleanedUp);
                }
            });
            var inFlight = new[]
            {
                Tracked(ct => EventLoop.Sleep(TimeSpan.FromHours(1), ct)),
                Tracked(_ => EventLoop.Sleep(TimeSpan.FromHours(1))), // a checkpoint without the token
                Tracked(ct => Task.Delay(Timeout.Infinite, ct)),
            };
            Assert.True(started.Wait(Blocking.Patience));
            var late = Enumerable.Range(0, 100).Select(_ => host.Submit(ct => EventLoop.Sleep(TimeSpan.FromHours(1), ct))).ToList();

            host.Stop();
            Assert.True(host.WaitForStop(Blocking.Patience));
            Assert.Equal(3, Volatile.Read(ref cleanedUp)); // joined: every finally ran before WaitForStop returned
            Assert.All(inFlight.Concat(late), task => Assert.True(task.IsCanceled, $"expected Canceled, was {task.Status}"));
            Assert.False(host.IsRunning);
        });
    }

    [Fact]
    public void Stop_WhenWorkIgnoresCancellation_GivesUpAfterStopTimeoutAndCancelsItsTask()
    {
        Guard.Run(() =>
        {
            using var running = Start(stopTimeout: Ms(100));
            var host = running.Host;
            using var started = new ManualResetEventSlim();
            var stuck = host.Submit(async ct =>
            {
                started.Set();
                await new TaskCompletionSource().Task; // never ends, checks nothing
            });
            Assert.True(started.Wait(Blocking.Patience));
            host.Stop();
            Blocking.Ended(stuck, "work abandoned by Stop");
            Assert.True(stuck.IsCanceled);
            Assert.True(host.WaitForStop(Blocking.Patience));
        });
    }

    [Fact]
    public void Stop_WhenCancelledWorkReturnsAResultAnyway_TheTaskGetsThatResult()
    {
        Guard.Run(() =>
        {
            using var running = Start(stopTimeout: Timeout.InfiniteTimeSpan);
            var host = running.Host;
            using var started = new ManualResetEventSlim();
            var stubborn = host.Submit(async ct =>
            {
                started.Set();
                try { await EventLoop.Sleep(TimeSpan.FromHours(1), ct); }
                catch (OperationCanceledException) { }
                return 7;
            });
            Assert.True(started.Wait(Blocking.Patience));
            host.Stop();
            Assert.Equal(7, Blocking.Result(stubborn));
        });
    }

    [Fact]
    public void Stop_WhenACancellationCallbackThrows_WaitForStopAndDisposeReportItAsLoopHostException()
    {
        Guard.Run(() =>
        {
            var running = Start();
            var host = running.Host;
            using var started = new ManualResetEventSlim();
            var boom = new Boom("callback");
            var work = host.Submit(async ct =>
            {
                ct.Register(() => throw boom); // belongs to no caller once it throws during Stop
                started.Set();
                await EventLoop.Sleep(TimeSpan.FromHours(1), ct);
            });
            Assert.True(started.Wait(Blocking.Patience));
            host.Stop();
            Blocking.Ended(work);
            Assert.True(work.IsCanceled);
            var e = Assert.Throws<LoopHostException>(host.WaitForStop);
            Assert.Same(boom, e.InnerException);
            Assert.Same(boom, Assert.IsType<LoopHostException>(Record.Exception(running.Dispose)).InnerException);
        });
    }

    [Fact]
    public void Submit_AfterStop_FailsWithObjectDisposedExceptionWithoutRunningTheWork()
    {
        Guard.Run(() =>
        {
            using var running = Start();
            var host = running.Host;
            host.Stop();
            var ran = false;
            var typed = host.Submit(_ => { ran = true; return Task.FromResult(1); });
            var untyped = host.Submit(_ => { ran = true; return Task.CompletedTask; });
            Assert.IsType<ObjectDisposedException>(Blocking.Failure(typed));
            Assert.IsType<ObjectDisposedException>(Blocking.Failure(untyped));
            Assert.True(host.WaitForStop(Blocking.Patience));
            Assert.IsType<ObjectDisposedException>(Blocking.Failure(host.Submit(_ => { ran = true; return Task.FromResult(2); })));
            Assert.False(ran);
        });
    }

    [Fact]
    public void Stop_IsIdempotentAndWaitForStopReturnsAtOnceOnceStopped()
    {
        Guard.Run(() =>
        {
            using var running = Start();
            var host = running.Host;
            host.Stop();
            host.Stop();
            host.WaitForStop();
            host.WaitForStop();
            Assert.True(host.WaitForStop(TimeSpan.Zero));
            Assert.False(host.IsRunning);
        });
    }

    [Fact]
    public void WaitForStop_WithATimeout_ReturnsFalseWhileTheHostRuns()
    {
        Guard.Run(() =>
        {
            using var running = Start();
            Assert.False(running.Host.WaitForStop(Ms(20)));
            Assert.True(running.Host.IsRunning);
        });
    }

    [Fact]
    public void WaitForStop_OnTheLoopThread_ThrowsInvalidOperationExceptionAndTheHostKeepsServing()
    {
        Guard.Run(() =>
        {
            using var running = Start();
            var host = running.Host;
            var errors = Blocking.Result(host.Submit(_ => Task.FromResult(new[]
            {
                Record.Exception(host.WaitForStop),
                Record.Exception(() => host.WaitForStop(Ms(1))),
            })));
            Assert.All(errors, e => Assert.Contains("deadlock", Assert.IsType<InvalidOperationException>(e).Message));
            Assert.True(host.IsRunning);
            Assert.Equal(5, Blocking.Result(host.Submit(_ => Task.FromResult(5))));
        });
    }

    [Fact]
    public void EnsureRunning_WhileRunningReturns_AfterStopThrowsObjectDisposedException()
    {
        Guard.Run(() =>
        {
            using var running = Start();
            var host = running.Host;
            host.EnsureRunning();
            host.EnsureRunning();
            Assert.True(host.IsRunning);
            Assert.True(host.Loop.IsRunning);
            host.Stop();
            Assert.Throws<ObjectDisposedException>(host.EnsureRunning);
        });
    }

    [Fact]
    public void CreateEvent_SetFromAnotherThread_ResumesTheWaiterOnTheLoopThread()
    {
        Guard.Run(() =>
        {
            using var running = Start();
            var host = running.Host;
            var loopThread = LoopThreadOf(host);
            var ev = host.CreateEvent();
            var waiter = host.Submit(async ct =>
            {
                await ev.WaitAsync(ct);
                return Environment.CurrentManagedThreadId;
            });
            Blocking.OnNewThread(() => { ev.Set(); return 0; });
            Assert.True(ev.IsSet);
            Assert.Equal(loopThread, Blocking.Result(waiter));
        });
    }

    [Fact]
    public void Dispose_StopsTheHostAndWaitsForItsWork()
    {
        Guard.Run(() =>
        {
            var running = Start(stopTimeout: Timeout.InfiniteTimeSpan);
            var host = running.Host;
            using var started = new ManualResetEventSlim();
            var cleanedUp = false;
            var work = host.Submit(async ct =>
            {
                started.Set();
                try { await EventLoop.Sleep(TimeSpan.FromHours(1), ct); }
                finally { cleanedUp = true; }
            });
            Assert.True(started.Wait(Blocking.Patience));
            host.Dispose();
            Assert.True(cleanedUp);
            Assert.True(work.IsCanceled);
            Assert.False(host.IsRunning);
            host.Dispose(); // harmless
            running.Dispose();
        });
    }

    [Fact]
    public void Submit_From8ThreadsTimes50000_LosesNothingAndReturnsEveryResultExactlyOnce()
    {
        Guard.Run(() =>
        {
            using var running = Start();
            var host = running.Host;
            const int threads = 8, perThread = 50_000;
            var runs = new int[threads * perThread]; // written only on the loop thread: a lost update would show
            var tasks = new Task<int>[threads * perThread];
            using var go = new ManualResetEventSlim();
            var producers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                go.Wait();
                for (var i = 0; i < perThread; i++)
                {
                    var n = t * perThread + i;
                    tasks[n] = host.Submit(_ =>
                    {
                        runs[n]++;
                        return Task.FromResult(n);
                    });
                }
            }) { IsBackground = true }).ToList();
            producers.ForEach(p => p.Start());
            go.Set();
            producers.ForEach(p => Assert.True(p.Join(Blocking.Patience), "a producer hung"));

            Assert.True(Task.WaitAll(tasks, Blocking.Patience), "some submitted work never ended");
            for (var n = 0; n < tasks.Length; n++) Assert.Equal(n, tasks[n].Result);
            var counts = Blocking.Result(host.Submit(_ => Task.FromResult(runs.ToArray())));
            Assert.All(counts, count => Assert.Equal(1, count));
        }, timeout: TimeSpan.FromSeconds(120));
    }

    [Fact]
    public void Stop_While8ThreadsKeepSubmitting_EveryReturnedTaskEndsAndNoThreadHangs()
    {
        Guard.Run(() =>
        {
            using var running = Start(stopTimeout: Timeout.InfiniteTimeSpan);
            var host = running.Host;
            const int threads = 8;
            var submitted = new ConcurrentBag<Task<int>>();
            var total = 0;
            var stopped = 0;
            var producers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                // Keep going until after Stop: the last submissions race with it, the ones after must fail.
                for (var i = 0; ; i++)
                {
                    var afterStop = Volatile.Read(ref stopped) == 1;
                    var n = i;
                    submitted.Add(host.Submit(async ct =>
                    {
                        if (n % 50 == 0) await EventLoop.Sleep(TimeSpan.FromHours(1), ct); // some stay in flight
                        return n;
                    }));
                    Interlocked.Increment(ref total);
                    if (afterStop && i % 100 == 0) break; // at least one submission surely after Stop
                }
            }) { IsBackground = true }).ToList();
            producers.ForEach(p => p.Start());
            Blocking.Until(() => Volatile.Read(ref total) > 20_000, "the producers have submitted a good amount");

            host.Stop();
            Volatile.Write(ref stopped, 1);
            producers.ForEach(p => Assert.True(p.Join(Blocking.Patience), "a producer hung"));
            Assert.True(host.WaitForStop(Blocking.Patience));

            var all = submitted.ToArray();
            Assert.All(all, task => Blocking.Ended(task, "returned task"));
            Assert.All(all, task => Assert.True(
                task.IsCompletedSuccessfully || task.IsCanceled || task.Exception?.InnerException is ObjectDisposedException,
                $"unexpected end: {task.Status} {task.Exception}"));
            Assert.Contains(all, task => task.IsCanceled);
            Assert.Contains(all, task => task.IsFaulted);
        }, timeout: TimeSpan.FromSeconds(120));
    }
}
