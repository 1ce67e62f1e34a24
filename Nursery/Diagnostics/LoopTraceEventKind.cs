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

    /// <summary>Cancellation reached a child (Detail: the cause).</summary>
    CancelRequested,

    /// <summary>A child ran to completion.</summary>
    Complete,

    /// <summary>A child failed (Detail: the exception's type and message, marked "secondary" when it was raised while the child was being cancelled).</summary>
    Fault,

    /// <summary>A child ended cancelled.</summary>
    Cancel,

    /// <summary>A child's code (or main's, ChildId 0) entered a cancel scope (Until: its deadline; Detail: "shielded" when it is).</summary>
    ScopeEntered,

    /// <summary>A cancel scope was left (Detail: why it was cancelled, when it was).</summary>
    ScopeExited,
}
