namespace Nursery;

/// <summary>Where a child of a bounded manager (<see cref="TaskManagerOptions.MaxConcurrency"/>) stands with its slots.</summary>
internal enum ChildSlot : byte
{
    /// <summary>No slot: the manager has no limit, the child is not due yet (Schedule), or it has ended.</summary>
    None,

    /// <summary>Due, queued FIFO for a slot; still <see cref="ChildTaskStatus.Scheduled"/>.</summary>
    Waiting,

    /// <summary>Holds a slot, from the moment it is put on the run queue until it ends.</summary>
    Holding,
}
