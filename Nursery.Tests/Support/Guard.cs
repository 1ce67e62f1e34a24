using System.Runtime.ExceptionServices;

namespace Nursery.Tests.Support;

/// <summary>
/// Hang guard: runs a scenario on its own background thread (with a fresh ExecutionContext) and fails the test
/// instead of hanging when it does not finish in time. Every test that could hang goes through this.
/// </summary>
public static class Guard
{
    /// <summary>Generous for virtual-time scenarios, which finish in milliseconds; only a hang reaches it.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    public static void Run(Action scenario, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try { scenario(); }
            catch (Exception e) { failure = ExceptionDispatchInfo.Capture(e); }
        })
        { IsBackground = true, Name = "test scenario" };
        using (ExecutionContext.SuppressFlow()) thread.Start();
        if (!thread.Join(limit))
            Assert.Fail($"The scenario did not finish within {limit.TotalSeconds:0} s: something hangs (a deadlock, a lost wake-up, or a join that never ends).");
        failure?.Throw();
    }

    public static T Run<T>(Func<T> scenario, TimeSpan? timeout = null)
    {
        T result = default!;
        Run(() => { result = scenario(); }, timeout);
        return result;
    }
}
