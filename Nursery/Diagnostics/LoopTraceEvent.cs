namespace Nursery;

/// <summary>One event of a <see cref="LoopTrace"/>, stamped with loop time.</summary>
/// <param name="Time">Loop time (<see cref="EventLoop.Now"/>) when it happened.</param>
/// <param name="Kind">What happened.</param>
/// <param name="ManagerId">The TaskManager concerned (the child's manager for child events).</param>
/// <param name="ChildId">The child concerned; 0 when none.</param>
/// <param name="SpanId">Pairs a <see cref="LoopTraceEventKind.Sleep"/> with its <see cref="LoopTraceEventKind.Wake"/>; 0 otherwise.</param>
/// <param name="Until">For a sleep, its deadline; for a scheduled spawn, its start time.</param>
/// <param name="Detail">A name, an exception, or another short note; null when there is nothing to add.</param>
public readonly record struct LoopTraceEvent(
    TimeSpan Time,
    LoopTraceEventKind Kind,
    int ManagerId,
    int ChildId,
    int SpanId,
    TimeSpan? Until,
    string? Detail);
