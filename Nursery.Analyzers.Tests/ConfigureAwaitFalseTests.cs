using Xunit;
using VerifyLoop = Nursery.Analyzers.Tests.Support.Verify<Nursery.Analyzers.LoopCodeAnalyzer>;

namespace Nursery.Analyzers.Tests;

/// <summary>NURSERY002: ConfigureAwait(false) in code that runs on a loop, and the fix that removes it.</summary>
public sealed class ConfigureAwaitFalseTests
{
    [Fact]
    public async Task ConfigureAwaitFalse_InChild_IsReported()
    {
        await VerifyLoop.AnalyzerAsync("""
            static class C
            {
                static void M(TaskManager tm) => tm.Spawn(async ct =>
                {
                    await Task.Delay(1000, ct).{|#0:ConfigureAwait(false)|};
                    await EventLoop.Sleep(TimeSpan.FromSeconds(1), ct).{|#1:ConfigureAwait(false)|};
                });
            }
            """,
            VerifyLoop.Diagnostic("NURSERY002").WithLocation(0),
            VerifyLoop.Diagnostic("NURSERY002").WithLocation(1));
    }

    [Fact]
    public async Task ConfigureAwaitFalse_InEventLoopRunMain_IsReported()
    {
        await VerifyLoop.AnalyzerAsync("""
            static class C
            {
                static int M(EventLoop loop, Func<Task<int>> fetch) => loop.Run(async () =>
                {
                    var value = await fetch().{|NURSERY002:ConfigureAwait(false)|};
                    return value + 1;
                });
            }
            """);
    }

    [Fact]
    public async Task ConfigureAwaitFalse_InMethodThatCallsSleep_IsReported()
    {
        await VerifyLoop.AnalyzerAsync("""
            static class C
            {
                static async Task TickAsync(Func<ValueTask> work)
                {
                    await work().{|NURSERY002:ConfigureAwait(false)|};
                    await EventLoop.Sleep(TimeSpan.FromSeconds(1));
                }
            }
            """);
    }

    [Fact]
    public async Task EveryFormThatLeavesTheContext_IsReported()
    {
        await VerifyLoop.AnalyzerAsync("""
            static class C
            {
                static void M(TaskManager tm, Func<IAsyncDisposable> open, IAsyncEnumerable<int> items) => tm.Spawn(async ct =>
                {
                    await using (open().{|NURSERY002:ConfigureAwait(false)|}) { }
                    await foreach (var item in items.{|NURSERY002:ConfigureAwait(false)|}) { }
                    await Task.Delay(1, ct).{|NURSERY002:ConfigureAwait(ConfigureAwaitOptions.None)|};
                    await Task.Delay(1, ct).{|NURSERY002:ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing)|};
                });
            }
            """);
    }

    [Fact]
    public async Task MethodPassedToSubmitByName_IsReported()
    {
        await VerifyLoop.AnalyzerAsync("""
            sealed class Worker
            {
                public Task Start(ILoopHost host) => host.Submit(RunAsync);

                private static async Task RunAsync(CancellationToken ct) => await Task.Delay(1000, ct).{|NURSERY002:ConfigureAwait(false)|};
            }
            """);
    }

    [Fact]
    public async Task ConfigureAwaitThatStaysOnTheLoop_IsNotReported()
    {
        await VerifyLoop.AnalyzerAsync("""
            static class C
            {
                static void M(TaskManager tm, bool flag) => tm.Spawn(async ct =>
                {
                    await Task.Delay(1, ct).ConfigureAwait(true);
                    await Task.Delay(1, ct).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
                    await Task.Delay(1, ct).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext | ConfigureAwaitOptions.ForceYielding);
                    await Task.Delay(1, ct).ConfigureAwait(flag);
                });
            }
            """);
    }

    [Fact]
    public async Task ConfigureAwaitFalse_OffTheLoop_IsNotReported()
    {
        await VerifyLoop.AnalyzerAsync("""
            static class C
            {
                // Library code that does not run on a loop: ConfigureAwait(false) is the usual advice there.
                public static async Task<string> ReadAsync(System.IO.Stream stream)
                {
                    using var reader = new System.IO.StreamReader(stream);
                    return await reader.ReadToEndAsync().ConfigureAwait(false);
                }

                static void M(TaskManager tm) => tm.Spawn(async ct =>
                {
                    await Task.Run(async () => await Task.Delay(1, ct).ConfigureAwait(false), ct);
                    await Task.Factory.StartNew(async () => await Task.Delay(1, ct).ConfigureAwait(false), ct, TaskCreationOptions.None, TaskScheduler.Default);
                });
            }
            """);
    }

    [Fact]
    public async Task CodeFix_RemovesConfigureAwait_KeepingTheAwaitedExpression()
    {
        await Support.Verify<LoopCodeAnalyzer>.CodeFixAsync<RemoveConfigureAwaitCodeFix>("""
            static class C
            {
                static void M(TaskManager tm, Func<IAsyncDisposable> open) => tm.Spawn(async ct =>
                {
                    await Task.Delay(1000, ct).{|NURSERY002:ConfigureAwait(false)|};
                    var text = await Task.FromResult("x")
                        .{|NURSERY002:ConfigureAwait(false)|};
                    await using (open().{|NURSERY002:ConfigureAwait(false)|}) { }
                    await EventLoop.Sleep(TimeSpan.FromSeconds(1), ct);
                });
            }
            """, """
            static class C
            {
                static void M(TaskManager tm, Func<IAsyncDisposable> open) => tm.Spawn(async ct =>
                {
                    await Task.Delay(1000, ct);
                    var text = await Task.FromResult("x");
                    await using (open()) { }
                    await EventLoop.Sleep(TimeSpan.FromSeconds(1), ct);
                });
            }
            """);
    }
}
