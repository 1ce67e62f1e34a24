using Xunit;
using VerifyJoin = Nursery.Analyzers.Tests.Support.Verify<Nursery.Analyzers.UnjoinedTaskManagerAnalyzer>;

namespace Nursery.Analyzers.Tests;

/// <summary>NURSERY004: a TaskManager that is never joined, and the fix that makes it `await using var`.</summary>
public sealed class UnjoinedTaskManagerTests
{
    [Fact]
    public async Task LocalOnlyUsedToSpawn_IsReportedWithItsName()
    {
        await VerifyJoin.AnalyzerAsync("""
            static class C
            {
                static async Task M(EventLoop loop)
                {
                    var {|#0:tm = new TaskManager(loop)|};
                    tm.Spawn(() => EventLoop.Sleep(TimeSpan.FromSeconds(1)));
                    await EventLoop.Yield();
                }
            }
            """,
            VerifyJoin.Diagnostic("NURSERY004").WithLocation(0).WithArguments("tm"));
    }

    [Fact]
    public async Task ManagerThatIsNeverStored_IsReported()
    {
        await VerifyJoin.AnalyzerAsync("""
            static class C
            {
                static void M(EventLoop loop)
                {
                    {|#0:new TaskManager(loop)|}.Spawn(() => EventLoop.Sleep(TimeSpan.FromSeconds(1)));
                    _ = {|#1:new TaskManager(loop)|};
                }
            }
            """,
            VerifyJoin.Diagnostic("NURSERY004").WithLocation(0).WithArguments("new TaskManager(...)"),
            VerifyJoin.Diagnostic("NURSERY004").WithLocation(1).WithArguments("new TaskManager(...)"));
    }

    [Fact]
    public async Task ManagerInTopLevelStatements_IsReported()
    {
        await VerifyJoin.ProgramAsync("""
            var loop = new EventLoop();
            loop.Run(async () =>
            {
                var {|NURSERY004:tm = new TaskManager()|};
                tm.Spawn(() => EventLoop.Sleep(TimeSpan.FromSeconds(1)));
                await EventLoop.Yield();
            });
            """);
    }

    [Fact]
    public async Task JoinedOrHandedOnManagers_AreNotReported()
    {
        await VerifyJoin.AnalyzerAsync("""
            sealed class C
            {
                private readonly TaskManager field;
                private TaskManager? Property { get; set; }

                C(EventLoop loop) { field = new TaskManager(loop); }

                static async Task Joined(EventLoop loop)
                {
                    await using var a = new TaskManager(loop);
                    await using (var b = new TaskManager(loop)) { }
                    await using (new TaskManager(loop)) { }
                    var c = new TaskManager(loop);
                    await using (c) { c.Spawn(() => EventLoop.Yield()); }
                    var d = new TaskManager(loop);
                    d.Spawn(() => EventLoop.Yield());
                    await d.DisposeAsync();
                    var e = new TaskManager(loop);
                    await using (e.ConfigureAwait(true)) { }
                    TaskManager? alias;
                    await using var f = alias = new TaskManager(loop);
                    TaskManager g;
                    g = new TaskManager(loop);
                    await g.DisposeAsync();
                }

                static TaskManager Returned(EventLoop loop) => new TaskManager(loop);

                static TaskManager ReturnedLocal(EventLoop loop)
                {
                    var tm = new TaskManager(loop);
                    tm.Spawn(() => EventLoop.Yield());
                    return tm;
                }

                void Stored(EventLoop loop, List<TaskManager> all)
                {
                    Property = new TaskManager(loop);
                    var tm = new TaskManager(loop);
                    all.Add(tm);
                }

                static Task RunAsync() => TaskManager.RunAsync(tm => EventLoop.Yield());
            }
            """);
    }

    [Fact]
    public async Task CodeFix_MakesTheDeclarationAwaitUsing()
    {
        await Support.Verify<UnjoinedTaskManagerAnalyzer>.CodeFixAsync<AwaitUsingTaskManagerCodeFix>("""
            static class C
            {
                static void M(EventLoop loop) => loop.Run(async () =>
                {
                    // the manager for the downloads
                    var {|NURSERY004:tm = new TaskManager(loop)|};
                    tm.Spawn(() => EventLoop.Sleep(TimeSpan.FromSeconds(1)));
                });
            }
            """, """
            static class C
            {
                static void M(EventLoop loop) => loop.Run(async () =>
                {
                    // the manager for the downloads
                    await using var tm = new TaskManager(loop);
                    tm.Spawn(() => EventLoop.Sleep(TimeSpan.FromSeconds(1)));
                });
            }
            """);
    }

    [Fact]
    public async Task CodeFix_IsNotOfferedWhereAwaitUsingIsInvalid()
    {
        // A synchronous method cannot await; a variable assigned again cannot be a using variable.
        const string source = """
            static class C
            {
                static void Sync(EventLoop loop)
                {
                    var {|NURSERY004:tm = new TaskManager(loop)|};
                    tm.Spawn(() => EventLoop.Yield());
                }

                static async Task Reassigned(EventLoop loop)
                {
                    var {|NURSERY004:tm = new TaskManager(loop)|};
                    tm = null!;
                    TaskManager assigned;
                    assigned = {|NURSERY004:new TaskManager(loop)|};
                    assigned.Spawn(() => EventLoop.Yield());
                    await EventLoop.Yield();
                }
            }
            """;
        await Support.Verify<UnjoinedTaskManagerAnalyzer>.CodeFixAsync<AwaitUsingTaskManagerCodeFix>(source, source);
    }
}
