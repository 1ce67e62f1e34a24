namespace Nursery.Tests.Hosting;

/// <summary>Each test runs under the hang guard, on a thread with a fresh execution context (no registrations).</summary>
public class LoopRegistryTests
{
    /// <summary>Runs a scenario, then stops every host it collected.</summary>
    private static void WithHosts(Action<List<LoopThread>> scenario) => Guard.Run(() =>
    {
        var hosts = new List<LoopThread>();
        try { scenario(hosts); }
        finally { foreach (var host in hosts) host.Dispose(); }
    });

    [Fact]
    public void GetOrCreate_TwiceInTheSameContext_ReturnsTheSameRunningHost()
    {
        WithHosts(hosts =>
        {
            var first = LoopRegistry.GetOrCreate();
            hosts.Add(first);
            Assert.True(first.IsRunning);
            Assert.Same(first, LoopRegistry.GetOrCreate());
        });
    }

    [Fact]
    public void GetOrCreate_FromThreadsAndTasksStartedHere_FindsTheSameHost()
    {
        WithHosts(hosts =>
        {
            var mine = LoopRegistry.GetOrCreate("db");
            hosts.Add(mine);
            Assert.Same(mine, Blocking.OnNewThread(() => LoopRegistry.GetOrCreate("db")));
            Assert.Same(mine, Blocking.Result(Task.Run(() => LoopRegistry.GetOrCreate("db"))));
            Assert.Same(mine, Blocking.OnNewThread(() => Blocking.OnNewThread(() => LoopRegistry.GetOrCreate("db", strictlyGet: true))));
        });
    }

    [Fact]
    public void GetOrCreate_FromAnUnrelatedThread_DoesNotFindTheHost()
    {
        WithHosts(hosts =>
        {
            hosts.Add(LoopRegistry.GetOrCreate("db"));
            var e = Blocking.OnNewThread(() => Record.Exception(() => LoopRegistry.GetOrCreate("db", strictlyGet: true)), unrelated: true);
            Assert.Equal("db", Assert.IsType<LoopHostNotFoundException>(e).Id);
            var theirs = Blocking.OnNewThread(() => LoopRegistry.GetOrCreate("db"), unrelated: true);
            hosts.Add(theirs);
            Assert.NotSame(hosts[0], theirs);
        });
    }

    [Fact]
    public void GetOrCreate_IdsAreNamespacesComparedWithEquals()
    {
        WithHosts(hosts =>
        {
            var a = LoopRegistry.GetOrCreate("a");
            var b = LoopRegistry.GetOrCreate("b");
            var byDefault = LoopRegistry.GetOrCreate();
            var record = LoopRegistry.GetOrCreate(new Key("x", 1));
            hosts.AddRange([a, b, byDefault, record]);
            Assert.Equal(4, hosts.Distinct().Count());
            Assert.Same(a, LoopRegistry.GetOrCreate(string.Concat("", "a"))); // equal, not the same object
            Assert.Same(record, LoopRegistry.GetOrCreate(new Key("x", 1)));
            Assert.Same(byDefault, LoopRegistry.GetOrCreate(null));
        });
    }

    [Fact]
    public void GetOrCreate_WithForceCreate_RegistersANewHostAndTheOldOneKeepsRunning()
    {
        WithHosts(hosts =>
        {
            var old = LoopRegistry.GetOrCreate();
            var fresh = LoopRegistry.GetOrCreate(forceCreate: true);
            hosts.AddRange([old, fresh]);
            Assert.NotSame(old, fresh);
            Assert.True(old.IsRunning);
            Assert.Same(fresh, LoopRegistry.GetOrCreate());
        });
    }

    [Fact]
    public void GetOrCreate_WithStrictlyGetAndNothingRegistered_ThrowsLoopHostNotFoundException()
    {
        WithHosts(_ =>
        {
            var e = Assert.Throws<LoopHostNotFoundException>(() => LoopRegistry.GetOrCreate(42, strictlyGet: true));
            Assert.Equal(42, e.Id);
            Assert.Contains("strictlyGet", e.Message);
        });
    }

    [Fact]
    public void GetOrCreate_WithForceCreateAndStrictlyGet_ThrowsArgumentException()
    {
        var e = Assert.Throws<ArgumentException>(() => LoopRegistry.GetOrCreate(forceCreate: true, strictlyGet: true));
        Assert.Equal("strictlyGet", e.ParamName);
    }

    [Fact]
    public void GetOrCreate_InsideAnAsyncMethod_IsNotVisibleAfterItReturns()
    {
        WithHosts(hosts =>
        {
            async Task<LoopThread> RegisterInsideAsync()
            {
                await Task.Yield();
                return LoopRegistry.GetOrCreate("scoped");
            }
            hosts.Add(Blocking.Result(RegisterInsideAsync()));
            Assert.Throws<LoopHostNotFoundException>(() => LoopRegistry.GetOrCreate("scoped", strictlyGet: true));

            LoopThread RegisterInsideSync() => LoopRegistry.GetOrCreate("kept");
            hosts.Add(RegisterInsideSync());
            Assert.Same(hosts[1], LoopRegistry.GetOrCreate("kept", strictlyGet: true));
        });
    }

    [Fact]
    public void GetOrCreate_WhenTheRegisteredHostHasStopped_TreatsItAsNotFound()
    {
        WithHosts(hosts =>
        {
            var stopped = LoopRegistry.GetOrCreate();
            hosts.Add(stopped);
            stopped.Stop();
            Assert.Throws<LoopHostNotFoundException>(() => LoopRegistry.GetOrCreate(strictlyGet: true));
            var replacement = LoopRegistry.GetOrCreate();
            hosts.Add(replacement);
            Assert.NotSame(stopped, replacement);
            Assert.True(replacement.IsRunning);
        });
    }

    [Fact]
    public void GetOrCreate_FromManyThreadsAtOnce_AllFindTheParentsHost()
    {
        WithHosts(hosts =>
        {
            var parents = LoopRegistry.GetOrCreate();
            hosts.Add(parents);
            using var go = new ManualResetEventSlim();
            var found = new LoopThread[16];
            var threads = Enumerable.Range(0, found.Length).Select(i => new Thread(() =>
            {
                go.Wait();
                for (var n = 0; n < 1000; n++) found[i] = LoopRegistry.GetOrCreate();
            }) { IsBackground = true }).ToList();
            threads.ForEach(t => t.Start());
            go.Set();
            threads.ForEach(t => Assert.True(t.Join(Blocking.Patience)));
            Assert.All(found, host => Assert.Same(parents, host));
        });
    }

    private sealed record Key(string Name, int Number);
}
