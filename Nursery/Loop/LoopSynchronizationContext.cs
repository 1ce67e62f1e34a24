using System.Runtime.ExceptionServices;

namespace Nursery;

/// <summary>
/// Brings every <c>await</c> continuation of loop code back to the loop thread, and remembers whose code it is.
/// </summary>
/// <remarks>
/// Each loop has one root context (for <c>main</c> and code that belongs to no child), and every
/// <see cref="ChildTask"/> (and every <see cref="TaskManager.RunAsync"/> body) gets its own instance whose
/// <see cref="Owner"/> is that child. Because an <c>await</c> captures the context it started under, a child's
/// continuations carry their owner with them, and <see cref="EventLoop.Sleep(TimeSpan)"/> can find "the current
/// child" without an <see cref="AsyncLocal{T}"/> (which would cost an ExecutionContext per child).
/// </remarks>
internal sealed class LoopSynchronizationContext : SynchronizationContext
{
    /// <summary>
    /// The owning child, or the loop itself for the root context. One field instead of two keeps every child's
    /// context at the minimum object size; a child finds its loop through its manager.
    /// </summary>
    private readonly object _ownerOrLoop;

    /// <summary>Creates the root context of <paramref name="loop"/>.</summary>
    public LoopSynchronizationContext(EventLoop loop) => _ownerOrLoop = loop;

    /// <summary>Creates the context of <paramref name="owner"/>'s code.</summary>
    public LoopSynchronizationContext(ChildTask owner) => _ownerOrLoop = owner;

    /// <summary>The loop this context posts to.</summary>
    public EventLoop Loop => _ownerOrLoop as EventLoop ?? ((ChildTask)_ownerOrLoop).Manager.Loop;

    /// <summary>The child (or RunAsync body) whose code runs under this context; null for the root context.</summary>
    public ChildTask? Owner => _ownerOrLoop as ChildTask;

    /// <summary>The child whose code is running right now on <paramref name="loop"/>'s thread, if any.</summary>
    public static ChildTask? CurrentOwner(EventLoop loop) =>
        Current is LoopSynchronizationContext context && context.Loop == loop ? context.Owner : null;

    /// <summary>The child whose context is current on this thread (used only on a loop thread).</summary>
    public static ChildTask? CurrentChild => (Current as LoopSynchronizationContext)?.Owner;

    /// <summary>Queues the callback on the loop, from any thread. Never runs it inline.</summary>
    public override void Post(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        Loop.Post(new WorkItem(d, state, this));
    }

    /// <summary>Runs the callback on the loop and waits for it. Inline when already on the loop thread.</summary>
    /// <exception cref="InvalidOperationException">Called from another thread while the loop is not running: the wait could never end.</exception>
    public override void Send(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (EventLoop.Current == Loop)
        {
            d(state);
            return;
        }
        if (!Loop.IsRunning)
            throw new InvalidOperationException("SynchronizationContext.Send to an event loop that is not running would wait forever; start the loop first.");
        using var done = new ManualResetEventSlim();
        ExceptionDispatchInfo? failure = null;
        Loop.Post(new WorkItem(
            _ =>
            {
                try { d(state); }
                catch (Exception e) { failure = ExceptionDispatchInfo.Capture(e); }
                finally { done.Set(); }
            },
            null,
            this));
        done.Wait();
        failure?.Throw();
    }

    /// <summary>Contexts are immutable, so the copy is the context itself.</summary>
    public override SynchronizationContext CreateCopy() => this;
}
