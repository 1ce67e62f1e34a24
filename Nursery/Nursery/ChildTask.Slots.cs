namespace Nursery;

// A child's place in its bounded manager's slots (TaskManagerOptions.MaxConcurrency); see TaskManager.Limits.cs.
public partial class ChildTask
{
    /// <summary>Whether the child waits for, or holds, a slot of its bounded manager. Loop thread only.</summary>
    internal ChildSlot Slot;
}
