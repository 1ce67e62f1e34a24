using Xunit;
using VerifyRegistration = Nursery.Analyzers.Tests.Support.Verify<Nursery.Analyzers.RegistrationDisposedBeforeJoinAnalyzer>;

namespace Nursery.Analyzers.Tests;

/// <summary>NURSERY005: a token registration that cancels a TaskManager, disposed before that manager's join.</summary>
public sealed class RegistrationDisposedBeforeJoinTests
{
    [Fact]
    public async Task UsingDeclaredAfterTheManager_IsReportedWithTheManagersName()
    {
        await VerifyRegistration.AnalyzerAsync("""
            static class C
            {
                static async Task M(EventLoop loop, CancellationToken token)
                {
                    await using var tm = new TaskManager(loop);
                    using var registration = {|#0:token.Register(tm.Cancel)|};
                    tm.Spawn(() => EventLoop.Sleep(TimeSpan.FromHours(1)));
                }
            }
            """,
            // The additional locations carry the code fix's targets (see the code fix tests).
            VerifyRegistration.Diagnostic("NURSERY005").WithLocation(0).WithArguments("tm")
                .WithOptions(Microsoft.CodeAnalysis.Testing.DiagnosticOptions.IgnoreAdditionalLocations));
    }

    [Fact]
    public async Task UsingBlockThatEndsBeforeTheJoin_IsReported()
    {
        await VerifyRegistration.AnalyzerAsync("""
            static class C
            {
                static async Task M(EventLoop loop, CancellationToken token)
                {
                    await using var tm = new TaskManager(loop);
                    using ({|NURSERY005:token.Register(() => tm.Cancel())|})
                    {
                        tm.Spawn(() => EventLoop.Sleep(TimeSpan.FromHours(1)));
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task RegistrationInsideTheAwaitUsingBlock_IsReported()
    {
        await VerifyRegistration.AnalyzerAsync("""
            static class C
            {
                static async Task M(EventLoop loop, CancellationToken token)
                {
                    var tm = new TaskManager(loop);
                    await using (tm)
                    {
                        using var registration = {|NURSERY005:token.Register(state => ((TaskManager)state!).Cancel(), tm)|};
                        tm.Spawn(() => EventLoop.Sleep(TimeSpan.FromHours(1)));
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task RegistrationInsideARunAsyncBody_IsReported()
    {
        // RunAsync joins the children after the body returns, so anything the body disposes is gone by then.
        await VerifyRegistration.AnalyzerAsync("""
            static class C
            {
                static Task M(CancellationToken token) => TaskManager.RunAsync(async tm =>
                {
                    using var registration = {|NURSERY005:token.Register(tm.Cancel)|};
                    tm.Spawn(() => EventLoop.Sleep(TimeSpan.FromHours(1)));
                    await EventLoop.Yield();
                });
            }
            """);
    }

    [Fact]
    public async Task RegistrationDisposedByHandBeforeDisposeAsync_IsReported()
    {
        await VerifyRegistration.AnalyzerAsync("""
            static class C
            {
                static async Task M(EventLoop loop, CancellationToken token)
                {
                    var tm = new TaskManager(loop);
                    var registration = {|NURSERY005:token.Register(tm.Cancel)|};
                    tm.Spawn(() => EventLoop.Sleep(TimeSpan.FromHours(1)));
                    registration.Dispose();
                    await tm.DisposeAsync();
                }
            }
            """);
    }

    [Fact]
    public async Task RegistrationThatOutlivesTheJoin_IsNotReported()
    {
        await VerifyRegistration.AnalyzerAsync("""
            static class C
            {
                static async Task DeclaredBeforeTheJoin(EventLoop loop, CancellationToken token)
                {
                    var tm = new TaskManager(loop);
                    using var registration = token.Register(tm.Cancel);
                    await using (tm)
                    {
                        tm.Spawn(() => EventLoop.Sleep(TimeSpan.FromHours(1)));
                    }
                }

                static async Task DeclaredBeforeTheManager(EventLoop loop, CancellationToken token)
                {
                    TaskManager? tm = null;
                    using var registration = token.Register(() => tm?.Cancel());
                    await using var manager = tm = new TaskManager(loop);
                    manager.Spawn(() => EventLoop.Sleep(TimeSpan.FromHours(1)));
                }

                static async Task UsingBlockAroundTheJoin(EventLoop loop, CancellationToken token)
                {
                    var tm = new TaskManager(loop);
                    using (token.Register(tm.Cancel))
                    {
                        await using (tm) { tm.Spawn(() => EventLoop.Sleep(TimeSpan.FromHours(1))); }
                    }
                }

                static async Task DisposedAfterTheJoin(EventLoop loop, CancellationToken token)
                {
                    var tm = new TaskManager(loop);
                    var registration = token.Register(tm.Cancel);
                    await tm.DisposeAsync();
                    registration.Dispose();
                }

                static async Task NotAManager(EventLoop loop, CancellationToken token, CancellationTokenSource cts)
                {
                    await using var tm = new TaskManager(loop);
                    using var registration = token.Register(cts.Cancel);
                }
            }
            """);
    }

    [Fact]
    public async Task CodeFix_PassesTheTokenToTheConstructor_AndDropsTheRegistration()
    {
        await Support.Verify<RegistrationDisposedBeforeJoinAnalyzer>.CodeFixAsync<OutsideTokenCodeFix>("""
            static class C
            {
                static async Task Declaration(EventLoop loop, CancellationToken token)
                {
                    await using var tm = new TaskManager(loop);
                    using var registration = {|NURSERY005:token.Register(tm.Cancel)|};
                    tm.Spawn(() => EventLoop.Sleep(TimeSpan.FromHours(1)));
                }

                static async Task Block(EventLoop loop, CancellationToken token)
                {
                    await using var tm = new TaskManager(loop);
                    using ({|NURSERY005:token.Register(() => tm.Cancel())|})
                    {
                        tm.Spawn(() => EventLoop.Sleep(TimeSpan.FromHours(1)));
                        tm.Spawn(() => EventLoop.Sleep(TimeSpan.FromHours(2)));
                    }
                }
            }
            """, """
            static class C
            {
                static async Task Declaration(EventLoop loop, CancellationToken token)
                {
                    await using var tm = new TaskManager(loop, token);
                    tm.Spawn(() => EventLoop.Sleep(TimeSpan.FromHours(1)));
                }

                static async Task Block(EventLoop loop, CancellationToken token)
                {
                    await using var tm = new TaskManager(loop, token);
                    tm.Spawn(() => EventLoop.Sleep(TimeSpan.FromHours(1)));
                    tm.Spawn(() => EventLoop.Sleep(TimeSpan.FromHours(2)));
                }
            }
            """);
    }

    [Fact]
    public async Task CodeFix_PassesTheTokenToRunAsync()
    {
        await Support.Verify<RegistrationDisposedBeforeJoinAnalyzer>.CodeFixAsync<OutsideTokenCodeFix>("""
            static class C
            {
                static Task M(CancellationToken token) => TaskManager.RunAsync(async tm =>
                {
                    using var registration = {|NURSERY005:token.Register(tm.Cancel)|};
                    tm.Spawn(() => EventLoop.Sleep(TimeSpan.FromHours(1)));
                    await EventLoop.Yield();
                });

                static Task<int> WithResult(CancellationToken token) => TaskManager.RunAsync(async tm =>
                {
                    using var registration = {|NURSERY005:token.Register(tm.Cancel)|};
                    await EventLoop.Yield();
                    return 1;
                });
            }
            """, """
            static class C
            {
                static Task M(CancellationToken token) => TaskManager.RunAsync(async tm =>
                {
                    tm.Spawn(() => EventLoop.Sleep(TimeSpan.FromHours(1)));
                    await EventLoop.Yield();
                }, token);

                static Task<int> WithResult(CancellationToken token) => TaskManager.RunAsync(async tm =>
                {
                    await EventLoop.Yield();
                    return 1;
                }, token);
            }
            """);
    }

    [Fact]
    public async Task CodeFix_IsNotOfferedWhenTheRegistrationDoesMore()
    {
        // The callback does more than cancel, the registration variable is used, the manager has no loop argument:
        // handing the token to the manager would change what the code does.
        const string source = """
            static class C
            {
                static async Task MoreThanCancel(EventLoop loop, CancellationToken token)
                {
                    await using var tm = new TaskManager(loop);
                    using var registration = {|NURSERY005:token.Register(() => { Console.WriteLine("stopping"); tm.Cancel(); })|};
                }

                static async Task RegistrationUsed(EventLoop loop, CancellationToken token)
                {
                    await using var tm = new TaskManager(loop);
                    using var registration = {|NURSERY005:token.Register(tm.Cancel)|};
                    Console.WriteLine(registration.Token.CanBeCanceled);
                }

                static async Task NoLoopArgument(CancellationToken token)
                {
                    await using var tm = new TaskManager();
                    using var registration = {|NURSERY005:token.Register(tm.Cancel)|};
                }
            }
            """;
        await Support.Verify<RegistrationDisposedBeforeJoinAnalyzer>.CodeFixAsync<OutsideTokenCodeFix>(source, source);
    }
}
