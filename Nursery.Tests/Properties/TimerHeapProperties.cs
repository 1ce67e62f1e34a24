using FsCheck;
using FsCheck.Fluent;
using Nursery.Tests.Loop;

namespace Nursery.Tests.Properties;

/// <summary>The timer heap against a sorted-list model, under random adds, removals and pops.</summary>
public class TimerHeapProperties
{
    /// <summary>An operation: add with a deadline, remove the n-th live entry, or pop everything due at a time.</summary>
    private readonly record struct Op(int Kind, int Value);

    private static readonly Gen<Op> Operation = Gen.Frequency(
        (5, Gen.Choose(0, 20).Select(deadline => new Op(0, deadline))),
        (2, Gen.Choose(0, 1000).Select(n => new Op(1, n))),
        (1, Gen.Choose(0, 20).Select(now => new Op(2, now))));

    private static void AssertMatchesModel(Op[] operations)
    {
        var heap = new TimerHeap();
        var model = new List<(int Deadline, long Sequence, RecordingTimerTarget Target)>();
        var nextSequence = 0L;
        foreach (var op in operations)
        {
            switch (op.Kind)
            {
                case 0:
                    var target = new RecordingTimerTarget($"t{nextSequence}");
                    heap.Add(target, TimeSpan.FromSeconds(op.Value));
                    model.Add((op.Value, nextSequence++, target));
                    break;
                case 1 when model.Count > 0:
                    var removed = model[op.Value % model.Count];
                    heap.Remove(removed.Target);
                    model.Remove(removed);
                    Assert.Equal(-1, removed.Target.TimerIndex);
                    break;
                case 2:
                    var due = model.Where(e => e.Deadline <= op.Value).OrderBy(e => e.Deadline).ThenBy(e => e.Sequence).ToList();
                    var popped = new List<ITimerTarget>();
                    while (heap.TryPopDue(TimeSpan.FromSeconds(op.Value), heap.NextSequence, out var t, out _)) popped.Add(t);
                    Assert.Equal(due.Select(e => (ITimerTarget)e.Target), popped);
                    foreach (var e in due) model.Remove(e);
                    break;
            }
            Assert.Equal(model.Count, heap.Count);
            if (model.Count > 0) Assert.Equal(TimeSpan.FromSeconds(model.Min(e => e.Deadline)), heap.NextDeadline);
        }
    }

    [Fact]
    public void TimerHeap_RandomAddsRemovesAndPops_BehavesLikeASortedList()
    {
        var property = Prop.ForAll(Arb.From(Gen.ArrayOf(Operation)), AssertMatchesModel);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), property);
    }
}
