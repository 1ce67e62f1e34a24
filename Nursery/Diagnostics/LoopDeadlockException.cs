namespace Nursery;

/// <summary>
/// Thrown by <see cref="EventLoop.Run(Func{Task})"/> on a <see cref="VirtualClock"/> instead of hanging: <c>main</c> has
/// not finished and nothing can make progress (a deadlock), or a cancelled child keeps running while virtual time
/// stands still (a livelock). The message says which, and holds the task tree (<see cref="Tree"/>) as
/// <see cref="EventLoop.DumpTree"/> showed it at that moment.
/// </summary>
/// <remarks>
/// Detection is on by default for loops driven by <see cref="EventLoop.Run(Func{Task})"/> on a virtual clock, never
/// for host-owned loops (which wait for outside work by design) nor for real clocks. See
/// <see cref="LoopOptions.DeadlockTimeout"/>.
/// </remarks>
public sealed class LoopDeadlockException : Exception
{
    /// <summary>Creates the exception with a default message and no tree.</summary>
    public LoopDeadlockException()
        : base("The event loop is deadlocked: main has not finished and nothing can make progress.")
    {
        Tree = "";
    }

    /// <summary>Creates the exception with <paramref name="message"/> and no tree.</summary>
    /// <param name="message">What is stuck and why.</param>
    public LoopDeadlockException(string message)
        : base(message)
    {
        Tree = "";
    }

    /// <summary>Creates the exception with <paramref name="message"/>, no tree, and the failure that caused it.</summary>
    /// <param name="message">What is stuck and why.</param>
    /// <param name="innerException">The failure that caused it.</param>
    public LoopDeadlockException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Tree = "";
    }

    /// <summary>The report of a stuck loop.</summary>
    internal LoopDeadlockException(string message, string tree, ChildTask? child)
        : base(message)
    {
        Tree = tree;
        Child = child;
    }

    /// <summary>The task tree when the loop got stuck, as <see cref="EventLoop.DumpTree"/> renders it (also in the message).</summary>
    public string Tree { get; }

    /// <summary>In a livelock, the cancelled child that keeps running; <see langword="null"/> for a deadlock.</summary>
    public ChildTask? Child { get; }
}
