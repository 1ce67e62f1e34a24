using FsCheck;
using FsCheck.Fluent;

namespace Nursery.Tests.Properties;

/// <summary>FsCheck generators for random nursery programs, bounded in depth and breadth so each runs in a millisecond.</summary>
public static class TreeGenerator
{
    private const int MaxDepth = 3;

    /// <summary>A whole program: the top-level manager (its body runs in main).</summary>
    public static Gen<ScopePlan> Program() => Scope(depth: 0);

    private static Gen<ScopePlan> Scope(int depth) =>
        from runAsync in Gen.Elements(true, false)
        from childCount in Gen.Choose(0, depth == 0 ? 4 : 3)
        from children in Gen.ListOf(Child(depth + 1), childCount)
        from bodyLength in Gen.Choose(0, 3)
        // An 'await using' body's own exception could be replaced by the join's (C# semantics), so it never fails.
        from body in Gen.ListOf(StepFor(depth + 1, allowFail: runAsync), bodyLength)
        from limit in Gen.Frequency((2, Gen.Constant<int?>(null)), (3, Gen.Choose(1, 3).Select(k => (int?)k)))
        from collectAll in Gen.Elements(false, false, true)
        select new ScopePlan(runAsync, [.. children], [.. body], limit, collectAll);

    private static Gen<ChildPlan> Child(int depth) =>
        from scheduled in Gen.Frequency((3, Gen.Constant<int?>(null)), (1, Gen.Elements(0, 5, 10, 20).Select(d => (int?)d)))
        from hasResult in Gen.Elements(true, false)
        from takesToken in Gen.Elements(true, false)
        from onCancel in Gen.Frequency((3, Gen.Constant(OnCancel.Propagate)), (2, Gen.Constant(OnCancel.Ignore)), (2, Gen.Constant(OnCancel.Fail)))
        from length in Gen.Choose(0, 4)
        from steps in Gen.ListOf(StepFor(depth, allowFail: true), length)
        select new ChildPlan(scheduled, hasResult, takesToken, onCancel, [.. steps]);

    private static Gen<Step> StepFor(int depth, bool allowFail)
    {
        var choices = new List<(int, Gen<Step>)>
        {
            // Few distinct durations, so that children often wake in the same turn (and fail together).
            (6, Gen.Elements(0, 1, 5, 10, 20).Select(ms => (Step)new Step.Sleep(ms))),
            (3, Gen.Constant<Step>(new Step.Yield())),
            (2, Gen.Choose(0, 5).Select(i => (Step)new Step.CancelSibling(i))),
            (1, Gen.Constant<Step>(new Step.CancelManager())),
        };
        if (allowFail) choices.Add((2, Gen.Constant<Step>(new Step.Fail())));
        if (depth < MaxDepth)
        {
            choices.Add((2, Gen.Sized(size => Child(depth + 1).Resize(size / 2)).SelectMany(
                c => Gen.Elements(false, true), (c, viaSpawnAsync) => (Step)new Step.Spawn(c, viaSpawnAsync && c.DelayMs is null))));
            choices.Add((2, Scope(depth).Select(s => (Step)new Step.Nested(s))));
        }
        return Gen.Frequency(choices);
    }
}
