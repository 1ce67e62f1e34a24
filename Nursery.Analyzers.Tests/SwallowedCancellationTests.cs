using Xunit;
using VerifyLoop = Nursery.Analyzers.Tests.Support.Verify<Nursery.Analyzers.LoopCodeAnalyzer>;

namespace Nursery.Analyzers.Tests;

/// <summary>NURSERY001: a catch in a child body that swallows OperationCanceledException.</summary>
public sealed class SwallowedCancellationTests
{
    [Fact]
    public async Task CatchOperationCanceled_InSpawnedLambda_IsReportedWithTheCaughtType()
    {
        await VerifyLoop.AnalyzerAsync("""
            static class C
            {
                static void M(TaskManager tm) => tm.Spawn(async ct =>
                {
                    try { await EventLoop.Sleep(TimeSpan.FromSeconds(1), ct); }
                    {|#0:catch (OperationCanceledException)|} { }
                });
            }
            """,
            VerifyLoop.Diagnostic("NURSERY001").WithLocation(0).WithArguments("OperationCanceledException"));
    }

    [Fact]
    public async Task CatchException_InScheduledChild_IsReported()
    {
        await VerifyLoop.AnalyzerAsync("""
            static class C
            {
                static void M(TaskManager tm) => tm.Schedule(async () =>
                {
                    try { await EventLoop.Yield(); }
                    {|NURSERY001:catch (Exception e)|} { Console.WriteLine(e.Message); }
                }, TimeSpan.FromSeconds(1));
            }
            """);
    }

    [Fact]
    public async Task BareCatch_InRunAsyncBody_IsReported()
    {
        await VerifyLoop.AnalyzerAsync("""
            static class C
            {
                static Task M() => TaskManager.RunAsync(async tm =>
                {
                    try { await EventLoop.Sleep(TimeSpan.FromSeconds(1)); }
                    {|NURSERY001:catch|} { }
                });
            }
            """);
    }

    [Fact]
    public async Task CatchTaskCanceled_InHostWorkItem_IsReported()
    {
        await VerifyLoop.AnalyzerAsync("""
            static class C
            {
                static Task M(ILoopHost host) => host.Submit(async ct =>
                {
                    try { await Task.Delay(1000, ct); }
                    {|NURSERY001:catch (TaskCanceledException)|} { }
                });
            }
            """);
    }

    [Fact]
    public async Task CatchInCancelScopeBodies_IsReported()
    {
        await VerifyLoop.AnalyzerAsync("""
            static class C
            {
                static async Task M()
                {
                    await CancelScope.MoveOnAfter(TimeSpan.FromSeconds(5), async ct =>
                    {
                        try { await EventLoop.Sleep(TimeSpan.FromSeconds(10), ct); }
                        {|NURSERY001:catch (OperationCanceledException)|} { }
                    });
                    await new CancelScope().RunAsync(async ct =>
                    {
                        try { await EventLoop.Yield(); }
                        {|NURSERY001:catch|} { }
                    });
                }
            }
            """);
    }

    [Fact]
    public async Task CatchThatReturns_IsReported()
    {
        await VerifyLoop.AnalyzerAsync("""
            static class C
            {
                static void M(TaskManager tm) => tm.Spawn(async ct =>
                {
                    while (true)
                    {
                        try { await EventLoop.Sleep(TimeSpan.FromSeconds(1), ct); }
                        {|NURSERY001:catch (OperationCanceledException)|} { return; }
                    }
                });
            }
            """);
    }

    [Fact]
    public async Task MethodPassedAsBodyByName_IsReported()
    {
        await VerifyLoop.AnalyzerAsync("""
            sealed class Poller
            {
                public void Start(TaskManager tm) => tm.Spawn(PollAsync);

                private async Task PollAsync(CancellationToken ct)
                {
                    try { await Task.Delay(1000, ct); }
                    {|NURSERY001:catch (Exception)|} { }
                }
            }
            """);
    }

    [Fact]
    public async Task LocalFunctionPassedAsBodyByName_IsReported()
    {
        await VerifyLoop.AnalyzerAsync("""
            static class C
            {
                static void M(TaskManager tm)
                {
                    tm.Spawn(Work);

                    static async Task Work(CancellationToken ct)
                    {
                        try { await Task.Delay(1000, ct); }
                        {|NURSERY001:catch|} { }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task MethodThatCallsSleep_IsLoopCode_AndIsReported()
    {
        await VerifyLoop.AnalyzerAsync("""
            static class C
            {
                public static async Task PollForeverAsync()
                {
                    while (true)
                    {
                        try { await EventLoop.Sleep(TimeSpan.FromSeconds(1)); }
                        {|NURSERY001:catch (Exception e)|} { Console.WriteLine(e); }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task AsyncLambdaNestedInABody_IsReported()
    {
        await VerifyLoop.AnalyzerAsync("""
            static class C
            {
                static void M(TaskManager tm, int[] items) => tm.Spawn(async ct =>
                {
                    await Task.WhenAll(items.Select(async item =>
                    {
                        try { await EventLoop.Sleep(TimeSpan.FromSeconds(item), ct); }
                        {|NURSERY001:catch (OperationCanceledException)|} { }
                    }));
                });
            }
            """);
    }

    [Fact]
    public async Task FilterThatLetsCancellationThrough_IsReported()
    {
        await VerifyLoop.AnalyzerAsync("""
            static class C
            {
                static void M(TaskManager tm) => tm.Spawn(async ct =>
                {
                    try { await EventLoop.Sleep(TimeSpan.FromSeconds(1), ct); }
                    {|NURSERY001:catch (Exception e)|} when (e is not InvalidOperationException) { }
                    // Excluding only TaskCanceledException still swallows the OperationCanceledException checkpoints throw.
                    try { await EventLoop.Sleep(TimeSpan.FromSeconds(1), ct); }
                    {|NURSERY001:catch (Exception e)|} when (e is not TaskCanceledException && true) { }
                });
            }
            """);
    }

    [Fact]
    public async Task CatchThatRethrows_IsNotReported()
    {
        await VerifyLoop.AnalyzerAsync("""
            static class C
            {
                static void M(TaskManager tm) => tm.Spawn(async ct =>
                {
                    try { await EventLoop.Sleep(TimeSpan.FromSeconds(1), ct); }
                    catch (OperationCanceledException) { Console.WriteLine("cancelled"); throw; }
                    try { await EventLoop.Sleep(TimeSpan.FromSeconds(1), ct); }
                    catch (Exception e) { throw new InvalidOperationException("wrapped", e); }
                    try { await EventLoop.Sleep(TimeSpan.FromSeconds(1), ct); }
                    catch (Exception) { ct.ThrowIfCancellationRequested(); }
                    try { await EventLoop.Sleep(TimeSpan.FromSeconds(1), ct); }
                    catch (Exception e) { System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e); }
                });
            }
            """);
    }

    [Fact]
    public async Task FilterThatExcludesCancellation_IsNotReported()
    {
        await VerifyLoop.AnalyzerAsync("""
            static class C
            {
                static void M(TaskManager tm, CancellationToken timeout) => tm.Spawn(async ct =>
                {
                    try { await EventLoop.Sleep(TimeSpan.FromSeconds(1), ct); }
                    catch (Exception e) when (e is not OperationCanceledException) { }
                    try { await EventLoop.Sleep(TimeSpan.FromSeconds(1), ct); }
                    catch (Exception e) when (!(e is OperationCanceledException)) { }
                    try { await EventLoop.Sleep(TimeSpan.FromSeconds(1), ct); }
                    catch (Exception e) when (e is InvalidOperationException or TimeoutException) { }
                    // Filters that depend on more than the type are taken as deliberate: a foreign timeout, or "unless I am cancelled".
                    try { await Task.Delay(1000, timeout); }
                    catch (OperationCanceledException) when (timeout.IsCancellationRequested) { }
                    try { await EventLoop.Sleep(TimeSpan.FromSeconds(1), ct); }
                    catch (Exception) when (!ct.IsCancellationRequested) { }
                });
            }
            """);
    }

    [Fact]
    public async Task CatchThatCannotSeeCancellation_IsNotReported()
    {
        await VerifyLoop.AnalyzerAsync("""
            static class C
            {
                static void M(TaskManager tm, string text) => tm.Spawn(async ct =>
                {
                    int value;
                    try { value = int.Parse(text); }
                    catch { value = 0; }
                    try { await EventLoop.Sleep(TimeSpan.FromSeconds(value), ct); }
                    catch (InvalidOperationException) { }
                });
            }
            """);
    }

    [Fact]
    public async Task CatchOutsideLoopCode_IsNotReported()
    {
        await VerifyLoop.AnalyzerAsync("""
            static class C
            {
                // An ordinary async method, neither passed as a body nor calling EventLoop.Sleep/Yield.
                static async Task DownloadAsync(CancellationToken ct)
                {
                    try { await Task.Delay(1000, ct); }
                    catch (OperationCanceledException) { }
                }

                // Inside a child, but handed to the thread pool: not the child's own code.
                static void M(TaskManager tm) => tm.Spawn(async ct =>
                {
                    await Task.Run(async () =>
                    {
                        try { await Task.Delay(1000, ct); }
                        catch (OperationCanceledException) { }
                    });
                });
            }
            """);
    }

    [Fact]
    public async Task CatchInEventLoopRunMain_IsNotReported()
    {
        // Nothing cancels main from outside: an OperationCanceledException there comes from the program's own tokens.
        await VerifyLoop.AnalyzerAsync("""
            sealed class C
            {
                static void M(EventLoop loop, CancellationToken token)
                {
                    loop.Run(async () =>
                    {
                        try { await Task.Delay(1000, token); }
                        catch (OperationCanceledException) { Console.WriteLine("stopped"); }
                    });
                    loop.Run(MainAsync);
                }

                static async Task MainAsync()
                {
                    try { await Task.Delay(1000); }
                    catch (Exception) { }
                }
            }
            """);
    }

    [Fact]
    public async Task LookAlikeTypesOutsideNursery_AreNotReported()
    {
        await VerifyLoop.AnalyzerAsync("""
            namespace Other
            {
                sealed class TaskManager { public void Spawn(Func<CancellationToken, Task> body) { } }

                static class C
                {
                    static void M(TaskManager tm) => tm.Spawn(async ct =>
                    {
                        try { await Task.Delay(1000, ct); }
                        catch (OperationCanceledException) { }
                    });
                }
            }
            """);
    }
}
