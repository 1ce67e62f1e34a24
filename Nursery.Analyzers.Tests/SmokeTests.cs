using Nursery.Analyzers.Tests.Support;
using Xunit;

namespace Nursery.Analyzers.Tests;

public sealed class SmokeTests
{
    [Fact]
    public async Task Catch_InSpawnedChild_IsReported()
    {
        await Verify<LoopCodeAnalyzer>.AnalyzerAsync("""
            static class C
            {
                static void M(TaskManager tm) => tm.Spawn(async ct =>
                {
                    try { await EventLoop.Sleep(TimeSpan.FromSeconds(1), ct); }
                    {|NURSERY001:catch (OperationCanceledException)|} { }
                });
            }
            """);
    }
}
