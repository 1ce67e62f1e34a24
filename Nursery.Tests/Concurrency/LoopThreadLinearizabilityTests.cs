using CsCheck;

namespace Nursery.Tests.Concurrency;

/// <summary>
/// CsCheck linearizability of a <see cref="LoopThread"/>'s Submit / Stop / Dispose / WaitForStop (issue 13, tools):
/// whatever the threads do at once, what each call saw must be what some one-at-a-time order of the same calls
/// gives on a simple model (a stopped flag), a work item cancelled by an overlapping stop being the one allowed
/// difference. Every submitted task must also end.
/// </summary>
public class LoopThreadLinearizabilityTests
{
    [Fact]
    public void SubmitStopDisposeWaitForStop_FromManyThreads_AreLinearizable() => Campaign.Linearizable<Actual, Model>(
        [
            Gen.Int[0, 999].Operation<Actual, Model>(
                i => $"Submit {i}",
                (a, i) => a.Seen.Add($"submit {i}", Campaign.OutcomeOf(a.Host.Submit(_ => Task.FromResult(i)))),
                (m, i) => m.Seen.Add($"submit {i}", m.Stopped ? Campaign.Refused : $"{Campaign.Ran} {i}")),
            Gen.Int[0, 999].Operation<Actual, Model>(
                i => $"SubmitYielding {i}",
                (a, i) => a.Seen.Add($"yielding {i}", Campaign.OutcomeOf(a.Host.Submit(async _ => { await EventLoop.Yield(); return i; }))),
                (m, i) => m.Seen.Add($"yielding {i}", m.Stopped ? Campaign.Refused : $"{Campaign.Ran} {i}")),
            Gen.Operation<Actual, Model>("Stop", a => a.Host.Stop(), m => m.Stopped = true),
            Gen.Operation<Actual, Model>(
                "StopThenWaitForStop",
                a => { a.Host.Stop(); a.Seen.Add("stop+wait", a.Host.WaitForStop(Campaign.Patience) ? "stopped" : Campaign.Hung); },
                m => { m.Stopped = true; m.Seen.Add("stop+wait", "stopped"); }),
            Gen.Operation<Actual, Model>(
                "Dispose",
                // Once Dispose has returned, the host has stopped: WaitForStop with no time to wait says so.
                a => { a.Host.Dispose(); a.Seen.Add("dispose", a.Host.WaitForStop(TimeSpan.Zero) ? "stopped" : "still stopping"); },
                m => { m.Stopped = true; m.Seen.Add("dispose", "stopped"); }),
        ],
        equal: (a, m) =>
        {
            // CsCheck compares permutations on several threads at once: Dispose is safe to call concurrently and waits.
            a.Host.Dispose();
            return a.Seen.Matches(m.Seen, CancelledMayStandForRan);
        });

    /// <summary>A work item the model says ran may have been cancelled instead, by a stop that overlapped it.</summary>
    internal static bool CancelledMayStandForRan(string actual, string model) =>
        actual == Campaign.Cancelled && model.StartsWith(Campaign.Ran, StringComparison.Ordinal);

    public sealed class Actual : ISample
    {
        public LoopThread Host { get; } = new();

        public Observations Seen { get; } = new();
    }

    public sealed class Model : ISample
    {
        public bool Stopped { get; set; }

        public Observations Seen { get; } = new();
    }
}
