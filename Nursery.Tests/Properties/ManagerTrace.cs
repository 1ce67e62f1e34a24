namespace Nursery.Tests.Properties;

/// <summary>What the interpreter saw of one manager in a random program.</summary>
public sealed class ManagerTrace(string name, bool runAsync)
{
    public string Name { get; } = name;

    public bool RunAsync { get; } = runAsync;

    public TaskManager Manager { get; set; } = null!;

    /// <summary>Each child's expected entry in Values: its number for Spawn&lt;int&gt;, null for a plain Spawn.</summary>
    public Dictionary<ChildTask, int?> Expected { get; } = [];

    /// <summary>Names of the children, for the log.</summary>
    public Dictionary<ChildTask, string> Names { get; } = [];

    /// <summary>The manager's limit on running children (int.MaxValue for none).</summary>
    public int MaxConcurrency { get; init; } = int.MaxValue;

    /// <summary>How many of its children's bodies are running now, and the most that ever ran at once.</summary>
    public int Running { get; set; }

    public int PeakRunning { get; set; }

    /// <summary>The exceptions its children failed with, in the order they failed.</summary>
    public List<Exception> Faults { get; } = [];

    /// <summary>For RunAsync: the exception the body failed with (not a cancellation).</summary>
    public Exception? BodyFailure { get; set; }

    /// <summary>What the join (DisposeAsync, or RunAsync's task) threw; null when it returned normally.</summary>
    public Exception? JoinThrew { get; set; }

    /// <summary>The failures the join must report, in order: for RunAsync the body's first, then the children's.</summary>
    public IReadOnlyList<Exception> ExpectedFailures =>
        BodyFailure is null ? Faults : [BodyFailure, .. Faults];
}
