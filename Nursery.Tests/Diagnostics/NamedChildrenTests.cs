namespace Nursery.Tests.Diagnostics;

public class NamedChildrenTests
{
    [Fact]
    public void Spawn_WithAName_KeepsTheNameAndTheCallersSite_ForEveryBodyShape()
    {
        Virtual.Run(async loop =>
        {
            await using var tm = new TaskManager(loop);
            ChildTask<int> a = tm.Spawn(async () => 1, name: "a");
            ChildTask<int> b = tm.Spawn(async ct => 2, "b");
            ChildTask c = tm.Spawn(async () => { }, "c");
            ChildTask d = tm.Spawn(async ct => { }, "d");
            ChildTask<int> e = tm.Schedule(async () => 5, S(1), "e");
            ChildTask<int> f = tm.Schedule(async ct => 6, S(1), "f");
            ChildTask g = tm.Schedule(async () => { }, S(1), "g");
            ChildTask h = tm.Schedule(async ct => { }, S(1), name: "h");
            ChildTask unnamed = tm.Spawn(async () => 0);

            Assert.Equal(new[] { "a", "b", "c", "d", "e", "f", "g", "h", null }, new[] { a, b, c, d, e, f, g, h, unnamed }.Select(x => x.Name));
            Assert.EndsWith("NamedChildrenTests.cs:11", a.SpawnSite);
            Assert.EndsWith("NamedChildrenTests.cs:18", h.SpawnSite);
            Assert.Null(unnamed.SpawnSite);
            await EventLoop.Sleep(S(2));
            Assert.Equal(6, f.Result);
        });
    }

    [Fact]
    public void Spawn_WithANameAndInvalidArguments_ValidatesLikeTheUnnamedForms()
    {
        Virtual.Run(async loop =>
        {
            var tm = new TaskManager(loop);
            Assert.Throws<ArgumentNullException>(() => tm.Spawn((Func<Task>)null!, "x"));
            Assert.Throws<ArgumentOutOfRangeException>(() => tm.Schedule(() => Task.CompletedTask, S(-1), "x"));
            await tm.DisposeAsync();
            Assert.Throws<InvalidOperationException>(() => tm.Spawn(() => Task.CompletedTask, "x"));
            var fromElsewhere = await Task.Run(() => Record.Exception(() => tm.Spawn(() => Task.CompletedTask, "x")));
            Assert.IsType<InvalidOperationException>(fromElsewhere);
        });
    }

    [Fact]
    public void CaptureSpawnSites_WhenOn_RecordsTheSiteOfUnnamedChildren_AndIsOffByDefault()
    {
        Virtual.Run(async loop =>
        {
            Assert.False(loop.CaptureSpawnSites);
            await using var tm = new TaskManager(loop);
            var before = tm.Spawn(() => Task.CompletedTask);
            loop.CaptureSpawnSites = true;
            var after = tm.Spawn(() => Task.CompletedTask);
            var scheduled = tm.Schedule(() => Task.CompletedTask, S(1));
            var (named, line) = (tm.Spawn(() => Task.CompletedTask, name: "named"), LineHere());

            Assert.Null(before.SpawnSite);
            Assert.Matches(@"NamedChildrenTests\.cs:\d+$", after.SpawnSite);
            Assert.Matches(@"NamedChildrenTests\.cs:\d+$", scheduled.SpawnSite);
            Assert.EndsWith($"NamedChildrenTests.cs:{line}", named.SpawnSite); // the compiler's exact site, not the stack's
            Assert.Contains("spawned at NamedChildrenTests.cs:", loop.DumpTree());
        });

        static int LineHere([System.Runtime.CompilerServices.CallerLineNumber] int line = 0) => line;
    }

    [Fact]
    public void Spawn_WithAnEmptyCallerFilePath_RecordsNoSpawnSite() => Virtual.Run(async loop =>
    {
        // A caller that passes the caller-info arguments itself (a wrapper, generated code) may have no file.
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async () => { }, "named", callerFilePath: "", callerLineNumber: 0);
        Assert.Null(child.SpawnSite);
        Assert.Equal("named", child.Name);
    });
}
