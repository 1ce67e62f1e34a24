using System.Runtime.CompilerServices;

namespace Nursery;

public sealed partial class EventLoop
{
    /// <summary>
    /// Drives the loop on the calling thread until the task returned by <paramref name="main"/> completes, then
    /// returns. Ready work and timers that belong to no <see cref="TaskManager"/> are abandoned at that point
    /// (anything spawned into a manager that was joined has ended by construction).
    /// </summary>
    /// <param name="main">The program to run; it is invoked on the loop thread.</param>
    /// <exception cref="ArgumentNullException"><paramref name="main"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The loop is already running, or this thread is already running a loop.</exception>
    /// <exception cref="ObjectDisposedException">The loop has been disposed.</exception>
    /// <remarks>The exception <paramref name="main"/> fails with is rethrown as-is (the same object).</remarks>
    public void Run(Func<Task> main)
    {
        ArgumentNullException.ThrowIfNull(main);
        RethrowIfFailed(Drive(main));
    }

    /// <summary>
    /// Drives the loop on the calling thread until the task returned by <paramref name="main"/> completes, and
    /// returns its result. See <see cref="Run(Func{Task})"/>.
    /// </summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="main">The program to run; it is invoked on the loop thread.</param>
    /// <returns>The result of <paramref name="main"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="main"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The loop is already running, or this thread is already running a loop.</exception>
    /// <exception cref="ObjectDisposedException">The loop has been disposed.</exception>
    public T Run<T>(Func<Task<T>> main)
    {
        ArgumentNullException.ThrowIfNull(main);
        var task = (Task<T>)Drive(main);
        RethrowIfFailed(task);
#pragma warning disable VSTHRD002 // The task completed successfully: reading its result does not block.
        return task.Result;
#pragma warning restore VSTHRD002
    }

    /// <summary>Rethrows main's failure: the same object, or every failure when the task carries several.</summary>
    private static void RethrowIfFailed(Task task)
    {
        if (task.IsFaulted && task.Exception!.InnerExceptions.Count > 1) throw task.Exception;
#pragma warning disable VSTHRD002 // The loop has finished driving the task: it has completed and this does not block.
        task.GetAwaiter().GetResult();
#pragma warning restore VSTHRD002
    }

    /// <summary>Runs the loop until <paramref name="main"/>'s task completes; returns that (completed) task.</summary>
#pragma warning disable VSTHRD200 // Synchronous: returns main's task once it has completed.
    private Task Drive(Func<Task> main)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (t_current is not null)
        {
            throw new InvalidOperationException(t_current == this
                ? "This EventLoop is already running on this thread: Run cannot be nested inside its own loop. Await the work instead."
                : "Run was called from inside another event loop. A loop thread cannot drive a second loop (that would block the first); use a LoopThread to run another loop on its own thread.");
        }
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0)
            throw new InvalidOperationException("This EventLoop is already running on another thread; a loop is driven by one Run call at a time.");

        var callerContext = SynchronizationContext.Current;
        NurseryTelemetry.LoopStarted(this);
        t_current = this;
        _turnTime = Clock.Now;
        // Each run takes the same schedule under the same seed, and watches for hangs from a clean slate.
        _shuffler?.Restart();
        BeginWatch();
        // A run of its own: a fresh root, and an inbox that takes work again (it refused it between runs).
        var root = _rootContext = new RootContext(this);
        _inbox.Open();
        SynchronizationContext.SetSynchronizationContext(root);
        try
        {
            var task = main() ?? throw new InvalidOperationException("The main function passed to EventLoop.Run returned null instead of a Task.");
            // main may finish on another thread (ConfigureAwait(false) inside it): make sure an idle loop notices.
            task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(Wake);
            while (!task.IsCompleted) Turn(task);
            return task;
        }
        finally
        {
            // Run-ending callbacks (hosts borrowing this loop) must not throw: they run before the cleanup below.
            var ending = _runEnding;
            _runEnding = null;
            ending?.Invoke();
            // Everything still live under this run is abandoned with it: children end Cancelled (so no one waiting on
            // them from another thread is left hanging) without running more code, and work posted to them later is
            // dropped. Then the leftover work goes, and the inbox refuses work until the next run.
            root.EndRun();
            _ready.Clear();
            _timers.Clear();
            _settleWaiters = null;
            SettleChecks = 0;
            _inbox.Close();
            t_current = null;
            SynchronizationContext.SetSynchronizationContext(callerContext);
            NurseryTelemetry.LoopStopped(this);
            Volatile.Write(ref _running, 0);
        }
    }

#pragma warning restore VSTHRD200

    /// <summary>
    /// One turn: take in work from other threads, fire the timers that are due, then run the work that was ready
    /// at the start of the run phase (work readied meanwhile waits for the next turn, so timers and other threads
    /// are never starved). With nothing to do, release the code waiting for the loop to settle
    /// (<see cref="RunCurrentAsync"/>), or else wait (or jump a virtual clock) until the next timer.
    /// </summary>
    private void Turn(Task main)
    {
        _turnNumber++;
        _turnTime = Clock.Now;
        if (_determinismViolation is { } violation) throw violation;
        _inbox.DrainTo(_ready);
        FireDueTimers();
        if (_ready.Count > 0)
        {
            RunReady(main);
            if (_detectDeadlock) CheckLivelock();
        }
        else if (_settleWaiters is { Count: > 0 } && !TimerDueNow)
        {
            ReleaseSettled();
        }
        else
        {
            Idle();
        }
    }

    private void FireDueTimers()
    {
        if (_timers.Count == 0) return;
        var now = _turnTime;
        // Timers set during this phase (a callback re-arming itself at zero, say) wait for the next turn.
        var setBefore = _timers.NextSequence;
        // No context while timers fire: continuations are posted to the run queue, never run inline here.
        SynchronizationContext.SetSynchronizationContext(null);
        while (_timers.TryPopDue(now, setBefore, out var target, out var deadline))
        {
            NurseryTelemetry.RecordLag(this, now - deadline);
            target.OnTimer();
        }
    }

    /// <summary>Runs the batch that was ready when the run phase began: in FIFO order, or shuffled from the seed.</summary>
    private void RunReady(Task main)
    {
        if (_shuffler is { } shuffler)
        {
            RunShuffled(main, shuffler);
            return;
        }
        for (var count = _ready.Count; count > 0 && _ready.TryDequeue(out var item); count--)
        {
            RunItem(item);
            if (main.IsCompleted) return;
        }
    }

    /// <summary>How many items of the shuffled batch being run are still to run (they are off the run queue). Loop thread only.</summary>
    private int _shuffledLeft;

    /// <summary>Runs the ready batch in an order drawn from the seed (<see cref="LoopOptions.ScheduleSeed"/>).</summary>
    private void RunShuffled(Task main, ScheduleShuffler shuffler)
    {
        var count = _ready.Count;
        var batch = shuffler.Take(_ready, count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                _shuffledLeft = count - i - 1;
                RunItem(batch[i]);
                if (main.IsCompleted) return; // the rest of the batch is abandoned with the run, as in FIFO order
            }
        }
        finally
        {
            _shuffledLeft = 0;
            shuffler.Release(count);
        }
    }

    /// <summary>Runs one work item under its context; timed and watched when a diagnosis option asks for it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void RunItem(in WorkItem item)
    {
        SynchronizationContext.SetSynchronizationContext(item.Context);
        if (_trace is { } trace && item.Context.Child is { } owner) trace.Step(owner);
        if (!_watchSteps) item.Callback(item.State);
        else RunWatched(item);
    }

    /// <summary>Runs one work item, noting a cancelled child that keeps running and timing the step.</summary>
    private void RunWatched(in WorkItem item)
    {
        if (_detectDeadlock && item.Context.IsCancelled && item.Context.Child is { } cancelled) NoteCancelledStep(cancelled);
        if (_slowCallbackTicks > 0) RunTimed(item);
        else item.Callback(item.State);
    }

    /// <summary>Whether a timer is due at the clock's current time (set during the last timer phase, it fires next turn).</summary>
    private bool TimerDueNow => _timers.Count > 0 && _timers.NextDeadline <= Clock.Now;

    private void Idle()
    {
        TimeSpan? timeout = null;
        if (_timers.Count > 0)
        {
            var deadline = _timers.NextDeadline;
            if (deadline <= Clock.Now) return; // due already (set during the last timer phase): fire it next turn
            // The clock decides how to wait: real clocks block until the deadline, a virtual one jumps to it.
            if (!Clock.PrepareIdleWait(this, deadline, out timeout)) return;
        }
        // Idle: whatever ran before was not a livelock.
        _frozenSince = 0;
        // On a virtual clock nothing moves from here on except work from other threads (no timer the clock reaches
        // by itself is pending): that is where a deadlocked program would wait for ever.
        if (_detectDeadlock) WaitOrReportDeadlock();
        else _inbox.Wait(timeout);
    }
}
