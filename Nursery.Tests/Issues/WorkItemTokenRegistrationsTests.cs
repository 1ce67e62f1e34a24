using System.Runtime.CompilerServices;

namespace Nursery.Tests.Issues;

/// <summary>
/// Issue 13, bug 11: host-token registrations leaked for the host's lifetime. <c>Dispatcher.Execute(work)</c> and
/// <c>LoopThread.Submit</c> handed every work item the host's root token, so 100,000 calls that each left one
/// <c>ct.Register(...)</c> kept +43 MB alive until the host stopped. Each work item gets a token of its own now: what
/// the work leaves registered on it goes with the work.
/// </summary>
/// <remarks>
/// The callback of each registration holds a payload; once the work items have ended and the caller holds nothing, a
/// full collection must reclaim the payloads while the host is still running. The host may still hold the items that
/// ended since its root manager last swept its list (ended children leave it in batches, once the list has reached 64
/// and twice its live count), never all of them. docs/hosting.md has the memory measurement.
/// </remarks>
public class WorkItemTokenRegistrationsTests
{
    private const int WorkItems = 1000;

    /// <summary>Ended children a manager may still list between two sweeps (with none live).</summary>
    private const int RecentlyEnded = 64;

    [Fact]
    public void LoopThreadSubmit_RegistrationLeftOnTheWorksToken_DoesNotOutliveTheWork() => Guard.Run(() =>
    {
        using var host = new LoopThread();
        var payloads = LeaveRegistrations(work => host.Submit(work));

        Collect();
        Assert.True(host.IsRunning);
        var alive = payloads.Count(p => p.IsAlive);
        Assert.True(alive <= RecentlyEnded, $"the host keeps {alive} of {WorkItems} registrations (and what their callbacks hold) after the work ended");
    });

    [Fact]
    public void DispatcherExecute_RegistrationLeftOnTheWorksToken_DoesNotOutliveTheWork() => Guard.Run(() =>
    {
        using var dispatcher = new Dispatcher();
        var payloads = LeaveRegistrations(work => Task.FromResult(dispatcher.Execute(work)));

        Collect();
        var alive = payloads.Count(p => p.IsAlive);
        Assert.True(alive <= RecentlyEnded, $"the dispatcher keeps {alive} of {WorkItems} registrations (and what their callbacks hold) after the work ended");
    });

    /// <summary>Runs <see cref="WorkItems"/> work items that each leave a registration; weak references to what they hold.</summary>
    private static WeakReference[] LeaveRegistrations(Func<Func<CancellationToken, Task<int>>, Task<int>> run) =>
        [.. Enumerable.Range(0, WorkItems).Select(_ => LeaveARegistration(run))];

    /// <summary>Runs work that registers a callback holding a fresh payload and returns; a weak reference to the payload.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference LeaveARegistration(Func<Func<CancellationToken, Task<int>>, Task<int>> run)
    {
        WeakReference? weak = null;
        var result = run(async ct =>
        {
            var payload = new byte[1024];
            weak = new WeakReference(payload);
            ct.Register(() => GC.KeepAlive(payload)); // left registered on purpose
            await EventLoop.Yield();
            return payload.Length;
        });
#pragma warning disable VSTHRD002 // a blocking wait in a synchronous test, off any loop
        Assert.Equal(1024, result.GetAwaiter().GetResult());
#pragma warning restore VSTHRD002
        return weak!;
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
