namespace Nursery;

/// <summary>Where a <see cref="ChildTask"/> is in its life. The last three are final.</summary>
public enum ChildTaskStatus
{
    /// <summary>Spawned or scheduled, but its body has not started yet.</summary>
    Scheduled,

    /// <summary>Its body has started and has not ended.</summary>
    Running,

    /// <summary>Its body returned normally; the result is in <see cref="TaskManager.Values"/>.</summary>
    Completed,

    /// <summary>Its body threw (anything but the cancellation of its own child or manager).</summary>
    Faulted,

    /// <summary>It was cancelled: before it started, or its body ended with <see cref="OperationCanceledException"/> after cancellation was requested.</summary>
    Cancelled,
}
