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
    /// <exception cref="InvalidOperationException">
    /// Called from another thread while the loop is not running, or the loop stopped before it got to the callback:
    /// either way the wait could never end.
    /// </exception>
    public override void Send(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        var loop = Loop;
        if (EventLoop.Current == loop)
        {
            d(state);
            return;
        }
        if (!loop.IsRunning)
            throw new InvalidOperationException("SynchronizationContext.Send to an event loop that is not running would wait forever; start the loop first.");
        using var call = new SentCall(d, state);
        loop.Post(new WorkItem(SentCall.Run, call, this));
        // The loop may stop (main completed) before it reaches the call, and a stopped loop drops its queued
        // work: look up now and then, and give up (for good: the call will never run late) once it has stopped.
        while (!call.Done.Wait(SentCall.StopCheckInterval))
        {
            if (!loop.IsRunning && call.TryAbandon())
                throw new InvalidOperationException("The event loop stopped before it ran the callback passed to SynchronizationContext.Send.");
        }
        call.Failure?.Throw();
    }

    /// <summary>A callback passed to <see cref="Send"/> from another thread, and its outcome.</summary>
    private sealed class SentCall(SendOrPostCallback callback, object? state) : IDisposable
    {
        /// <summary>How often a waiting sender checks that the loop is still running.</summary>
        public static readonly TimeSpan StopCheckInterval = TimeSpan.FromMilliseconds(50);

        /// <summary>Runs the call on the loop, unless the sender has given up on it.</summary>
        public static readonly SendOrPostCallback Run = static s => ((SentCall)s!).Execute();

        /// <summary>0 = waiting, 1 = taken by the loop, 2 = abandoned by the sender. Interlocked.</summary>
        private int _state;

        /// <summary>Set once the callback has run.</summary>
        public ManualResetEventSlim Done { get; } = new();

        /// <summary>What the callback threw, if anything.</summary>
        public ExceptionDispatchInfo? Failure { get; private set; }

        /// <summary>The sender gives up; false if the loop has already taken the call (then wait for it).</summary>
        public bool TryAbandon() => Interlocked.CompareExchange(ref _state, 2, 0) == 0;

        public void Dispose() => Done.Dispose();

        private void Execute()
        {
            if (Interlocked.CompareExchange(ref _state, 1, 0) != 0) return; // the sender gave up: never run late
            try { callback(state); }
            catch (Exception e) { Failure = ExceptionDispatchInfo.Capture(e); }
            finally { Done.Set(); }
        }
    }

    /// <summary>Contexts are immutable, so the copy is the context itself.</summary>
    public override SynchronizationContext CreateCopy() => this;
}
