using System.Globalization;

namespace Nursery.Tests.Properties;

/// <summary>One child in a random program: how it starts, what it does, how it reacts to cancellation.</summary>
/// <param name="DelayMs">Null for Spawn; otherwise Schedule with this delay.</param>
/// <param name="HasResult">Spawn&lt;int&gt; (its result goes to Values) or a plain Spawn (null in Values).</param>
/// <param name="TakesToken">Whether the body is the overload that receives the child's token.</param>
/// <param name="OnCancel">What the child does when one of its checkpoints throws.</param>
/// <param name="Steps">What the child does, in order, before it returns its result.</param>
public sealed record ChildPlan(int? DelayMs, bool HasResult, bool TakesToken, OnCancel OnCancel, IReadOnlyList<Step> Steps)
{
    public string Describe()
    {
        var start = DelayMs is { } d ? string.Create(CultureInfo.InvariantCulture, $"scheduled {d}") : "spawned";
        return $"{start}{(HasResult ? " int" : "")}{(TakesToken ? " ct" : "")} on-cancel:{OnCancel} [{string.Join("; ", Steps.Select(s => s.Describe()))}]";
    }
}
