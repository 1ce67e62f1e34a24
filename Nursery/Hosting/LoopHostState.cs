namespace Nursery;

/// <summary>Where a <see cref="LoopThread"/> is in its life, as <see cref="LoopThread.State"/> and <see cref="LoopRegistry.Hosts"/> show it.</summary>
public enum LoopHostState
{
    /// <summary>Created; the thread starts on <see cref="LoopThread.EnsureRunning"/> or the first submission.</summary>
    NotStarted,

    /// <summary>The thread is starting its loop.</summary>
    Starting,

    /// <summary>The loop runs and the host accepts work.</summary>
    Running,

    /// <summary>Stop was requested: new work is refused, and the work in flight is being cancelled and joined.</summary>
    Stopping,

    /// <summary>The loop thread has finished (or the host was stopped before it started). A stopped host does not restart.</summary>
    Stopped,
}
