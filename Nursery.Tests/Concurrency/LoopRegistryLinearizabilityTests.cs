using System.Collections.Concurrent;
using CsCheck;

namespace Nursery.Tests.Concurrency;

/// <summary>
/// CsCheck linearizability of <see cref="LoopRegistry.GetOrCreate"/> (issue 13, tools). Registrations belong to an
/// execution context, so the property checks the case where threads share one: a host registered by a parent, then
/// GetOrCreate / strictlyGet / forceCreate on many threads that inherit the registration, while another thread stops
/// the registered host. Each operation runs in its own copy of the parent's context (as thread-pool work started by
/// the parent would), so what one registers is not seen by the others. Model: a stopped flag.
/// </summary>
public class LoopRegistryLinearizabilityTests
{
    [Fact]
    public void GetOrCreateWhileTheRegisteredHostStops_FromManyThreads_IsLinearizable() => Campaign.Linearizable<Actual, Model>(
        [
            Gen.Operation<Actual, Model>(
                "GetOrCreate",
                a => a.InTheParentsContext("get", () => a.Describe(LoopRegistry.GetOrCreate(a.Id))),
                m => m.Seen.Add("get", Ran(m.Stopped ? "a new running host" : "the registered host"))),
            Gen.Operation<Actual, Model>(
                "StrictlyGet",
                a => a.InTheParentsContext("strict", () =>
                {
                    try { return a.Describe(LoopRegistry.GetOrCreate(a.Id, strictlyGet: true)); }
                    catch (LoopHostNotFoundException) { return "not found"; }
                }),
                m => m.Seen.Add("strict", Ran(m.Stopped ? "not found" : "the registered host"))),
            Gen.Operation<Actual, Model>(
                "ForceCreate",
                a => a.InTheParentsContext("force", () => a.Describe(LoopRegistry.GetOrCreate(a.Id, forceCreate: true))),
                m => m.Seen.Add("force", Ran("a new running host"))),
            Gen.Operation<Actual, Model>(
                "StopTheRegisteredHost",
                a => a.Registered.Host.Stop(),
                m => m.Stopped = true),
        ],
        equal: (a, m) =>
        {
            a.StopEverything();
            return a.Seen.Matches(m.Seen);
        });

    /// <summary>The outcome of a call that returned <paramref name="what"/>.</summary>
    private static string Ran(string what) => $"{Campaign.Ran} {what}";

    public sealed class Actual : ISample
    {
        /// <summary>The registered host and the parent context it is registered in; made on first use only.</summary>
        private readonly Lazy<(LoopThread Host, ExecutionContext Context)> _registered;

        /// <summary>Hosts the operations created, to stop at the end of the sample.</summary>
        private readonly ConcurrentBag<LoopThread> _created = [];

        public Actual()
        {
            _registered = new(() => Blocking.OnNewThread(() => (LoopRegistry.GetOrCreate(Id), ExecutionContext.Capture()!)));
        }

        /// <summary>The registry id of this sample (an object of its own, so samples never share hosts).</summary>
        public object Id { get; } = new();

        public (LoopThread Host, ExecutionContext Context) Registered => _registered.Value;

        public Observations Seen { get; } = new();

        /// <summary>Runs <paramref name="call"/> in a copy of the parent's context and records what it saw.</summary>
        public void InTheParentsContext(string operation, Func<string> call)
        {
            string outcome = Campaign.Hung;
            using var context = Registered.Context.CreateCopy();
            ExecutionContext.Run(context, _ => outcome = Campaign.OutcomeOf(call), null);
            Seen.Add(operation, outcome);
        }

        /// <summary>The registered host, or a new one (remembered, to stop later) with whether it runs.</summary>
        public string Describe(LoopThread host)
        {
            if (host == Registered.Host) return "the registered host";
            _created.Add(host);
            return host.IsRunning ? "a new running host" : "a new STOPPED host";
        }

        public void StopEverything()
        {
            if (_registered.IsValueCreated) _registered.Value.Host.Dispose();
            foreach (var host in _created) host.Dispose();
        }
    }

    public sealed class Model : ISample
    {
        public bool Stopped { get; set; }

        public Observations Seen { get; } = new();
    }
}
