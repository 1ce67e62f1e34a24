namespace Nursery;

/// <summary>
/// Thrown by <see cref="EventLoop.Run(Func{Task})"/> when <see cref="LoopOptions.StrictDeterminism"/> is on and loop
/// code on a <see cref="VirtualClock"/> resumed from another thread (an await that completed on the thread pool): from
/// then on, when things happen depends on real time, not on the virtual clock, and the run cannot be replayed.
/// </summary>
public sealed class LoopDeterminismException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public LoopDeterminismException()
        : base("Loop code on a VirtualClock resumed from another thread: the run is not deterministic.")
    {
        Cause = "";
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    /// <param name="message">What resumed from where, and how to fix it.</param>
    public LoopDeterminismException(string message)
        : base(message)
    {
        Cause = "";
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the failure that caused it.</summary>
    /// <param name="message">What resumed from where, and how to fix it.</param>
    /// <param name="innerException">The failure that caused it.</param>
    public LoopDeterminismException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Cause = "";
    }

    /// <summary>The report of the first resumption from another thread.</summary>
    internal LoopDeterminismException(string message, ChildTask? child, string cause)
        : base(message)
    {
        Child = child;
        Cause = cause;
    }

    /// <summary>The child whose code resumed from another thread; <see langword="null"/> for code of no child (<c>main</c>).</summary>
    public ChildTask? Child { get; }

    /// <summary>What resumed, and from which thread: for example <c>an await in Worker.FetchAsync completed on thread-pool thread #12</c>.</summary>
    public string Cause { get; }
}
