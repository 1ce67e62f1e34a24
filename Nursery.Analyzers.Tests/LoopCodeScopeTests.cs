using Xunit;
using VerifyLoop = Nursery.Analyzers.Tests.Support.Verify<Nursery.Analyzers.LoopCodeAnalyzer>;

namespace Nursery.Analyzers.Tests;

/// <summary>Where the loop-code analyzer looks: top-level programs, generated code, nested and partial types.</summary>
public sealed class LoopCodeScopeTests
{
    [Fact]
    public async Task TopLevelProgram_IsAnalyzed_IncludingLocalFunctionsPassedByName()
    {
        await VerifyLoop.ProgramAsync("""
            var loop = new EventLoop(new VirtualClock());
            loop.Run(async () =>
            {
                await Task.Delay(1).{|NURSERY002:ConfigureAwait(false)|};
                await using var tm = new TaskManager(loop);
                tm.Spawn(Work);
            });

            static async Task Work(CancellationToken ct)
            {
                try { await EventLoop.Sleep(TimeSpan.FromSeconds(1), ct); }
                {|NURSERY001:catch|} { }
            }
            """);
    }

    [Fact]
    public async Task GeneratedCode_IsNotAnalyzed()
    {
        await VerifyLoop.AnalyzerAsync("""
            [System.CodeDom.Compiler.GeneratedCode("a generator", "1.0")]
            static class Generated
            {
                static void M(TaskManager tm) => tm.Spawn(async ct =>
                {
                    try { await EventLoop.Sleep(TimeSpan.FromSeconds(1), ct); }
                    catch (OperationCanceledException) { }
                    await Task.Delay(1, ct).ConfigureAwait(false);
                });
            }
            """);
    }

    [Fact]
    public async Task MethodPassedByName_FromAnotherPartOfAPartialType_IsReported()
    {
        await VerifyLoop.AnalyzerAsync("""
            sealed partial class Service
            {
                public void Start(TaskManager tm) => tm.Spawn(RunAsync);
            }

            sealed partial class Service
            {
                private static async Task RunAsync(CancellationToken ct) => await Task.Delay(1, ct).{|NURSERY002:ConfigureAwait(false)|};
            }
            """);
    }

    [Fact]
    public async Task MethodNotPassedAsABody_IsNotReported_EvenNextToOneThatIs()
    {
        await VerifyLoop.AnalyzerAsync("""
            sealed class Service
            {
                public void Start(TaskManager tm) => tm.Spawn(OnLoopAsync);

                private static Task OnLoopAsync(CancellationToken ct) => EventLoop.Sleep(TimeSpan.FromSeconds(1), ct);

                // Same shape, never handed to Nursery: ordinary library code.
                private static async Task OffLoopAsync(CancellationToken ct) => await Task.Delay(1, ct).ConfigureAwait(false);
            }
            """);
    }
}
