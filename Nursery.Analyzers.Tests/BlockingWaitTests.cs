using Xunit;
using VerifyLoop = Nursery.Analyzers.Tests.Support.Verify<Nursery.Analyzers.LoopCodeAnalyzer>;

namespace Nursery.Analyzers.Tests;

/// <summary>NURSERY003: .Result, .Wait() and GetAwaiter().GetResult() on a task in code that runs on a loop.</summary>
public sealed class BlockingWaitTests
{
    [Fact]
    public async Task EveryBlockingForm_InChild_IsReportedWithWhatBlocks()
    {
        await VerifyLoop.AnalyzerAsync("""
            static class C
            {
                static void M(TaskManager tm, Func<Task<int>> fetch, Func<ValueTask<int>> fetchValue) => tm.Spawn(async ct =>
                {
                    var a = {|#0:fetch().Result|};
                    var t = fetch();
                    {|#1:t.Wait()|};
                    {|#2:Task.WaitAll(t, fetch())|};
                    var b = {|#3:fetch().GetAwaiter().GetResult()|};
                    var c = {|#4:fetchValue().Result|};
                    {|#5:Task.Delay(1, ct).ConfigureAwait(true).GetAwaiter().GetResult()|};
                    await EventLoop.Yield();
                });
            }
            """,
            VerifyLoop.Diagnostic("NURSERY003").WithLocation(0).WithArguments(".Result"),
            VerifyLoop.Diagnostic("NURSERY003").WithLocation(1).WithArguments(".Wait()"),
            VerifyLoop.Diagnostic("NURSERY003").WithLocation(2).WithArguments("Task.WaitAll"),
            VerifyLoop.Diagnostic("NURSERY003").WithLocation(3).WithArguments("GetAwaiter().GetResult()"),
            VerifyLoop.Diagnostic("NURSERY003").WithLocation(4).WithArguments(".Result"),
            VerifyLoop.Diagnostic("NURSERY003").WithLocation(5).WithArguments("GetAwaiter().GetResult()"));
    }

    [Fact]
    public async Task BlockingOnAChildsCompletion_InMain_IsReported()
    {
        await VerifyLoop.AnalyzerAsync("""
            static class C
            {
                static void M(EventLoop loop) => loop.Run(async () =>
                {
                    await using var tm = new TaskManager(loop);
                    var child = tm.Spawn(async () => { await EventLoop.Sleep(TimeSpan.FromSeconds(1)); return 1; });
                    Console.WriteLine({|NURSERY003:child.Completion.Result|});
                });
            }
            """);
    }

    [Fact]
    public async Task SleepCalledSynchronously_InLoopMethod_IsReported()
    {
        await VerifyLoop.AnalyzerAsync("""
            static class C
            {
                static void Pause()
                {
                    {|NURSERY003:EventLoop.Sleep(TimeSpan.FromSeconds(1)).GetAwaiter().GetResult()|};
                    {|NURSERY003:EventLoop.Yield().AsTask().Wait()|};
                }
            }
            """);
    }

    [Fact]
    public async Task ResultOfACompletedTask_IsNotReported()
    {
        await VerifyLoop.AnalyzerAsync("""
            static class C
            {
                static void M(TaskManager tm, Func<Task<int>> fetch) => tm.Spawn(async ct =>
                {
                    var a = fetch();
                    var b = fetch();
                    await Task.WhenAll(a, b);
                    Console.WriteLine(a.Result + b.Result);

                    var c = fetch();
                    await c;
                    Console.WriteLine(c.GetAwaiter().GetResult());

                    var d = fetch();
                    if (d.IsCompletedSuccessfully) Console.WriteLine(d.Result);

                    await fetch().ContinueWith(t => Console.WriteLine(t.Result), ct);
                    Console.WriteLine(nameof(a.Result));
                    await EventLoop.Yield();
                });
            }
            """);
    }

    [Fact]
    public async Task ChildTaskResult_IsNotReported()
    {
        // ChildTask<T>.Result never blocks: after the join it is the value, before it an exception.
        await VerifyLoop.AnalyzerAsync("""
            static class C
            {
                static void M(EventLoop loop) => loop.Run(async () =>
                {
                    ChildTask<int> child;
                    await using (var tm = new TaskManager(loop))
                    {
                        child = tm.Spawn(async () => { await EventLoop.Sleep(TimeSpan.FromSeconds(1)); return 1; });
                    }
                    Console.WriteLine(child.Result);
                });
            }
            """);
    }

    [Fact]
    public async Task BlockingOffTheLoop_IsNotReported()
    {
        await VerifyLoop.AnalyzerAsync("""
            static class C
            {
                // Synchronous code waiting for a loop host: this is what hosts are for.
                static int Main()
                {
                    using var host = new LoopThread();
                    var answer = host.Submit(async ct => { await EventLoop.Sleep(TimeSpan.FromSeconds(1), ct); return 42; });
                    return answer.Result;
                }

                // Inside a child, but on the thread pool.
                static void M(TaskManager tm, Func<Task<int>> fetch) => tm.Spawn(async ct =>
                {
                    var value = await Task.Run(() => fetch().Result, ct);
                    var thread = new Thread(() => fetch().Wait());
                    thread.Start();
                    await EventLoop.Yield();
                });
            }
            """);
    }
}
