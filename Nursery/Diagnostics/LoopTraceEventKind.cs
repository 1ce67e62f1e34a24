namespace Nursery;

/// <summary>What a <see cref="LoopTraceEvent"/> records.</summary>
public enum LoopTraceEventKind
{
    /// <summary>A TaskManager was created (ManagerId; ChildId is the child it is nested in, or 0).</summary>
    ManagerOpened,

    /// <summary>A TaskManager finished joining and closed.</summary>
    ManagerClosed,

    /// <summary>A child was spawned (Detail: its name) or scheduled (Detail: its name; Until: its start time).</summary>
    Spawn,

    /// <summary>A child's body started.</summary>
    Start,

    /// <summary>The loop ran one step of a child's code (one work item under its context).</summary>
    Step,

    /// <summary>A child began a sleep (SpanId pairs it with its Wake; Until: the deadline).</summary>
    Sleep,

    /// <summary>A sleep ended (Detail: "cancelled" when it was cut short).</summary>
    Wake,

    /// <summary>Cancellation was requested for a child.</summary>
    CancelRequested,

    /// <summary>A child ran to completion.</summary>
    Complete,

    /// <summary>A child failed (Detail: the exception's type and message).</summary>
    Fault,

    /// <summary>A child ended cancelled.</summary>
    Cancel,
}
