namespace Nursery;

/// <summary>
/// What <see cref="EventLoop.SlowCallback"/> reports: one step of loop code held the loop thread longer than
/// <see cref="LoopOptions.SlowCallbackThreshold"/>, so every other child on the loop waited that long.
/// </summary>
/// <remarks>
/// A step is the code between two awaits: a child's body up to its first await, or the code after one await up to
/// the next. A slow step usually blocks (a synchronous read, <c>Thread.Sleep</c>, <c>.Result</c>) or computes for
/// too long without an <c>await EventLoop.Yield()</c>.
/// </remarks>
public sealed class SlowCallbackEventArgs : EventArgs
{
    /// <summary>Creates the report of one slow step.</summary>
    /// <param name="duration">How long the step held the loop (real time).</param>
    /// <param name="child">The child whose code the step was; null for code of no child (main, a timer callback).</param>
    internal SlowCallbackEventArgs(TimeSpan duration, ChildTask? child)
    {
        Duration = duration;
        Child = child;
        ChildLabel = child?.Label;
        SpawnSite = child?.SpawnSite;
    }

    /// <summary>How long the step held the loop thread, in real time (whatever the loop's clock).</summary>
    public TimeSpan Duration { get; }

    /// <summary>The child whose code the step was, or <see langword="null"/> for code that belongs to no child (<c>main</c>, a timer callback, host plumbing).</summary>
    public ChildTask? Child { get; }

    /// <summary>
    /// How <see cref="EventLoop.DumpTree"/> names the child: <c>#id</c>, or <c>#id name</c> for a named child;
    /// <see langword="null"/> when <see cref="Child"/> is.
    /// </summary>
    public string? ChildLabel { get; }

    /// <summary>
    /// Where the child was spawned (<c>path:line</c>): always known for children spawned with a name, and for unnamed
    /// ones while <see cref="EventLoop.CaptureSpawnSites"/> is on; otherwise <see langword="null"/>.
    /// </summary>
    public string? SpawnSite { get; }

    /// <summary>One line for logs: the duration, the child and where it was spawned.</summary>
    /// <returns>For example <c>slow callback: 120.4 ms in child #3 fetch (spawned at Program.cs:12)</c>.</returns>
    public override string ToString()
    {
        var who = ChildLabel is { } label ? $"child {label}" : "code of no child (main or a timer callback)";
        var site = SpawnSite is { } s ? $" (spawned at {s})" : "";
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"slow callback: {Duration.TotalMilliseconds:0.0} ms in {who}{site}");
    }
}
