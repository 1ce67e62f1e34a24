namespace Nursery.Tests.Hosting;

/// <summary>
/// Registry introspection (issue 10, item 4): LoopRegistry.Hosts lists the live hosts with their id, creating thread,
/// task type and state; each host's ToString says the same in one line; DumpTree of a host's loop names it; stopped hosts
/// leave the list. The list is process-wide and tests run in parallel, so each test looks only at its own hosts.
/// </summary>
public class LoopRegistryIntrospectionTests
{
    [Fact]
    public void Hosts_ListARegisteredHostWithIdThreadTaskTypeAndState_UntilItStops()
    {
        Guard.Run(() =>
        {
            var id = $"introspection {Guid.NewGuid():N}";
            var host = LoopRegistry.GetOrCreate(id);
            try
            {
                Assert.Contains(host, LoopRegistry.Hosts);
                Assert.True(host.IsRegistered);
                Assert.Equal(id, host.RegistryId);
                Assert.Null(host.TaskType);
                Assert.Equal(LoopHostState.Running, host.State);
                Assert.Matches(@"^thread ""test scenario"" \(#\d+\)$", host.CreatedOnThread);
                Assert.Equal(
                    $"LoopThread \"{host.Name}\": Running, any task type, registry id \"{id}\", created on {host.CreatedOnThread}",
                    host.ToString());
            }
            finally
            {
                host.Dispose();
            }
            Assert.DoesNotContain(host, LoopRegistry.Hosts);
            Assert.Equal(LoopHostState.Stopped, host.State);
            Assert.StartsWith($"LoopThread \"{host.Name}\": Stopped,", host.ToString());
        });
    }

    [Fact]
    public void Hosts_ListAHostMadeDirectly_OnlyOnceItHasStarted()
    {
        Guard.Run(() =>
        {
            using var host = new LoopThread(taskType: "io");
            Assert.Equal(LoopHostState.NotStarted, host.State);
            Assert.DoesNotContain(host, LoopRegistry.Hosts);
            host.EnsureRunning();
            Assert.Contains(host, LoopRegistry.Hosts);
            Assert.False(host.IsRegistered);
            Assert.Equal($"LoopThread \"{host.Name}\": Running, task type \"io\", not registered, created on {host.CreatedOnThread}", host.ToString());
            host.Stop();
            host.WaitForStop();
            Assert.DoesNotContain(host, LoopRegistry.Hosts);
        });
    }

    [Fact]
    public void DumpTree_OfAHostsLoop_NamesTheHost()
    {
        Guard.Run(() =>
        {
            using var host = new LoopThread(new VirtualClock());
            var dump = host.Submit(async _ => host.Loop.DumpTree()).GetAwaiter().GetResult();
            var lines = dump.Split('\n');
            Assert.StartsWith("EventLoop at t=0.000s (VirtualClock): running", lines[0]);
            Assert.Equal($"host: LoopThread \"{host.Name}\": Running, any task type, not registered, created on {host.CreatedOnThread}", lines[1]);
        });
    }

    [Fact]
    public void ToString_OfACurrentLoopHost_SaysWhichLoopItBorrows()
    {
        var text = Guard.Run(() =>
        {
            using var loop = new EventLoop(new VirtualClock(), new LoopOptions());
            return loop.Run(async () =>
            {
                using var host = new CurrentLoopHost();
                return host.ToString();
            });
        });
        Assert.Matches(@"^CurrentLoopHost: Running, any task type, borrows the loop of thread ""test scenario"" \(#\d+\)$", text);
    }
}
