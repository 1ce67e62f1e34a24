using FsCheck;
using FsCheck.Fluent;

namespace Nursery.Tests.Properties;

/// <summary>
/// Random trees of spawns, schedules, sleeps, yields, failures and cancellations (nested managers included), with
/// random limits (MaxConcurrency, SpawnAsync from manager bodies) and failure policies (CancelSiblings, CollectAll):
/// whatever the order of events, no child is left behind, no result is lost, no failure is swallowed or doubled,
/// never more children run than the limit allows, and the run is deterministic.
/// </summary>
public class NurseryTreeProperties
{
    private static TreeRun Execute(ScopePlan program) => Virtual.Run(loop => TreeRun.ExecuteAsync(loop, program));

    private static void AssertInvariants(ScopePlan program)
    {
        var run = Execute(program);

        foreach (var trace in run.Managers)
        {
            // Every child ended.
            foreach (var child in trace.Manager.Children)
            {
                Assert.True(child.Status is ChildTaskStatus.Completed or ChildTaskStatus.Faulted or ChildTaskStatus.Cancelled,
                    $"{trace.Names[child]} (#{child.Id}) is still {child.Status}");
            }

            // Values holds every completed child's result, and nothing else.
            var completed = trace.Manager.Children.Where(c => c.Status == ChildTaskStatus.Completed).ToHashSet();
            Assert.True(completed.SetEquals(trace.Manager.Values.Keys), $"{trace.Name}: Values does not hold exactly the completed children");
            foreach (var child in completed) Assert.Equal(trace.Expected[child], (int?)trace.Manager.Values[child]);

            // Never more children running at once than the limit allows.
            Assert.True(trace.PeakRunning <= trace.MaxConcurrency, $"{trace.Name}: {trace.PeakRunning} children ran at once, limit {trace.MaxConcurrency}");

            // Failures lists each child failure exactly once, with its child.
            Assert.Equal(trace.Faults.Count, trace.Manager.Failures.Count);
            Assert.All(trace.Manager.Failures, f => Assert.Same(f.Exception, f.Child.Exception));
            Assert.Equal(trace.Faults.ToHashSet(), trace.Manager.Failures.Select(f => f.Exception).ToHashSet());

            // Each faulted child's exception is one of the manager's recorded failures, and vice versa.
            var faulted = trace.Manager.Children.Where(c => c.Status == ChildTaskStatus.Faulted).Select(c => c.Exception!).ToList();
            Assert.Equal(trace.Faults.Count, faulted.Count);
            Assert.All(faulted, e => Assert.Contains(e, trace.Faults));

            // The join reports exactly those failures, in the contract's shape.
            var expected = trace.ExpectedFailures;
            switch (expected.Count)
            {
                case 0:
                    Assert.True(trace.JoinThrew is null, $"{trace.Name}: the join threw {trace.JoinThrew} without any failure");
                    break;
                case 1:
                    Assert.Same(expected[0], trace.JoinThrew);
                    break;
                default:
                    var aggregate = Assert.IsType<AggregateException>(trace.JoinThrew);
                    Assert.Equal(expected, aggregate.InnerExceptions); // same objects, in the order they happened
                    break;
            }
        }

        // Every Boom thrown anywhere reaches the top exactly once.
        var reported = Catch.Leaves(run.Outcome);
        Assert.True(run.Thrown.Count == reported.Count, $"{run.Thrown.Count} thrown, {reported.Count} reported: {run.Outcome}\n{string.Join("\n", run.Log)}");
        Assert.All(run.Thrown, boom => Assert.Single(reported, e => ReferenceEquals(e, boom)));

        // Deterministic: the same program gives the same log.
        var again = Execute(program);
        Assert.Equal(run.Log, again.Log);
    }

    [Fact]
    public void RandomNurseryPrograms_AfterTheRun_NoChildLeftNoResultLostEveryFailureOnceAndDeterministic()
    {
        var property = Prop.ForAll(Arb.From(TreeGenerator.Program()), AssertInvariants);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), property);
    }
}
