using System.Globalization;

namespace Nursery.Tests.Properties;

/// <summary>One thing a child or a manager body does, in the random programs of <see cref="NurseryTreeProperties"/>.</summary>
public abstract record Step
{
    /// <summary>A compact description, so a failing case reads as a program.</summary>
    public abstract string Describe();

    /// <summary>EventLoop.Sleep: a checkpoint.</summary>
    public sealed record Sleep(int Milliseconds) : Step
    {
        public override string Describe() => string.Create(CultureInfo.InvariantCulture, $"sleep {Milliseconds}");
    }

    /// <summary>EventLoop.Yield: a checkpoint.</summary>
    public sealed record Yield : Step
    {
        public override string Describe() => "yield";
    }

    /// <summary>
    /// Spawn (or schedule) a sibling into the manager the code belongs to; with <paramref name="ViaSpawnAsync"/>, a
    /// manager's body code spawns with SpawnAsync (a child never does: waiting for a slot of its own manager could wait
    /// for itself).
    /// </summary>
    public sealed record Spawn(ChildPlan Child, bool ViaSpawnAsync = false) : Step
    {
        public override string Describe() => $"{(ViaSpawnAsync ? "spawn-async" : "spawn")} {Child.Describe()}";
    }

    /// <summary>A nested manager: 'await using' or RunAsync, with its own children and body.</summary>
    public sealed record Nested(ScopePlan Scope) : Step
    {
        public override string Describe() => Scope.Describe();
    }

    /// <summary>Cancel the n-th child (modulo the count) of the manager the code belongs to.</summary>
    public sealed record CancelSibling(int Index) : Step
    {
        public override string Describe() => string.Create(CultureInfo.InvariantCulture, $"cancel child {Index}");
    }

    /// <summary>Cancel the manager the code belongs to.</summary>
    public sealed record CancelManager : Step
    {
        public override string Describe() => "cancel manager";
    }

    /// <summary>Throw a fresh Boom (only where its exception cannot be lost: children and RunAsync bodies).</summary>
    public sealed record Fail : Step
    {
        public override string Describe() => "fail";
    }
}
