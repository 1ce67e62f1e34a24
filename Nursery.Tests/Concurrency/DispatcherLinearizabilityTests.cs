using CsCheck;

namespace Nursery.Tests.Concurrency;

/// <summary>
/// CsCheck linearizability of a two-loop <see cref="Dispatcher"/>'s Execute / ExecuteAsync / Dispose (issue 13,
/// tools), against a disposed-flag model; a call cancelled by an overlapping Dispose is the one allowed difference.
/// </summary>
public class DispatcherLinearizabilityTests
{
    [Fact]
    public void ExecuteExecuteAsyncDispose_FromManyThreads_AreLinearizable() => Campaign.Linearizable<Actual, Model>(
        [
            Gen.Int[0, 999].Operation<Actual, Model>(
                i => $"Execute {i}",
                (a, i) => a.Seen.Add($"execute {i}", Campaign.OutcomeOf(() => a.Dispatcher.Execute(_ => Task.FromResult(i)))),
                (m, i) => m.Seen.Add($"execute {i}", m.Ran(i))),
            Gen.Int[0, 999].Operation<Actual, Model>(
                i => $"ExecuteYieldingWithTimeout {i}",
                (a, i) => a.Seen.Add($"timed {i}", Campaign.OutcomeOf(() =>
                    a.Dispatcher.Execute(async _ => { await EventLoop.Yield(); return i; }, Campaign.Patience))),
                (m, i) => m.Seen.Add($"timed {i}", m.Ran(i))),
            Gen.Int[0, 999].Operation<Actual, Model>(
                i => $"ExecuteAsync {i}",
                (a, i) => a.Seen.Add($"async {i}", Campaign.OutcomeOfStarting(() => a.Dispatcher.ExecuteAsync(_ => Task.FromResult(i)))),
                (m, i) => m.Seen.Add($"async {i}", m.Ran(i))),
            Gen.Operation<Actual, Model>(
                "Dispose",
                a =>
                {
                    a.Dispatcher.Dispose();
                    // Once Dispose has returned, the dispatcher refuses new work.
                    a.Seen.Add("dispose", Campaign.OutcomeOfStarting(() => a.Dispatcher.ExecuteAsync(_ => Task.FromResult(0))));
                },
                m => { m.Disposed = true; m.Seen.Add("dispose", Campaign.Refused); }),
        ],
        equal: (a, m) =>
        {
            a.Dispatcher.Dispose();
            return a.Seen.Matches(m.Seen, LoopThreadLinearizabilityTests.CancelledMayStandForRan);
        });

    public sealed class Actual : ISample
    {
        public Dispatcher Dispatcher { get; } = new(loops: 2);

        public Observations Seen { get; } = new();
    }

    public sealed class Model : ISample
    {
        public bool Disposed { get; set; }

        public Observations Seen { get; } = new();

        /// <summary>What a call with result <paramref name="i"/> sees: refused once disposed, its result before.</summary>
        public string Ran(int i) => Disposed ? Campaign.Refused : $"{Campaign.Ran} {i}";
    }
}
