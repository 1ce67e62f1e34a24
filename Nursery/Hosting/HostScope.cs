using System.Collections.Concurrent;
using System.Diagnostics;

namespace Nursery;

/// <summary>
/// The structured core every loop host shares: the root <see cref="TaskManager"/> that each submission runs under,
/// the queue that brings submissions from other threads to the loop, and the orderly end — refuse new work,
/// cancel what is in flight, join it, and release every caller.
/// </summary>
/// <remarks>
/// <para>
/// Life: <c>Open</c> (accepting) → <c>Stopping</c> (Stop was requested: new submissions are refused, the shutdown
/// cancels and joins the root manager) → <c>Closed</c> (every caller's task has ended). A scope can also close
/// straight from <c>Open</c> when its loop ends under it (the owner of a borrowed loop returned from Run).
/// </para>
/// <para>
/// One synchronization domain. Any thread: <see cref="Submit{T}(Func{CancellationToken, Task{T}}, CancellationToken)"/>, <see cref="RequestStop"/> and the state.
/// Loop thread only: the root manager, the list of admitted submissions, draining the queue, the shutdown.
/// </para>
/// <para>
/// Producers do not lock. A submission from another thread goes into a lock-free queue, and only the producer
/// that finds no drain scheduled posts one to the loop, so a burst of submissions costs the loop one wake-up.
/// The race between a late <c>Submit</c> and the end is closed by publication order: a producer enqueues and
/// then re-reads the state, while <see cref="Close"/> writes the state and then drains the queue. Both are full
/// fences, so each queued submission is seen by one of the two and cancelled; none is stranded.
/// </para>
/// </remarks>
[DebuggerDisplay("HostScope {_hostName}: state = {_state}")]
internal sealed class HostScope
{
    private const int Open = 0;
    private const int Stopping = 1;
    private const int Closed = 2;

    /// <summary>How many queued submissions one drain admits before letting the loop take a turn.</summary>
    private const int DrainBatch = 1024;

    /// <summary>Default for <see cref="StopTimeout"/>.</summary>
    private static readonly TimeSpan DefaultStopTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The loop callback that admits queued submissions.</summary>
    private static readonly SendOrPostCallback s_drain = static state => ((HostScope)state!).Drain();

    /// <summary>The loop everything here runs on.</summary>
    private readonly EventLoop _loop;

    /// <summary>How the host names itself in messages.</summary>
    private readonly string _hostName;

    /// <summary>Submissions from other threads, waiting to be admitted on the loop. Any thread.</summary>
    private readonly ConcurrentQueue<Submission> _queue = new();

    /// <summary>Completed by <see cref="RequestStop"/>; the loop's lifetime task awaits it.</summary>
    private readonly TaskCompletionSource _stopRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Set once the scope is closed: every caller's task has ended.</summary>
    private readonly ManualResetEventSlim _closed = new();

    /// <summary>Open, Stopping or Closed. Written with interlocked operations, read anywhere.</summary>
    private int _state;

    /// <summary>1 while a drain is posted to the loop and has not started. Interlocked.</summary>
    private int _drainScheduled;

    /// <summary>The manager every submission runs under. Created on the loop thread by <see cref="RunAsync"/>.</summary>
    private TaskManager? _root;

    /// <summary>Head of the list of admitted submissions whose caller's task has not ended. Loop thread only.</summary>
    private Submission? _admitted;

    /// <summary>Called by the loop when its Run ends under an open scope.</summary>
    private readonly Action _onRunEnding;

    /// <summary>A failure of the host itself (not of a work item), reported by WaitForStop. Written before <see cref="_closed"/> is set.</summary>
    private Exception? _failure;

    /// <summary>Backs <see cref="StopTimeout"/>. Set before the host runs, read by the shutdown.</summary>
    private TimeSpan _stopTimeout = DefaultStopTimeout;

    public HostScope(EventLoop loop, string hostName)
    {
        _loop = loop;
        _hostName = hostName;
        _onRunEnding = () => Close(failure: null);
    }

    /// <summary>
    /// How long the shutdown waits for cancelled work to end before giving up on it (its caller's task then ends
    /// cancelled and the loop stops without it). Real time, whatever the loop's clock: it guards against work that
    /// ignores cancellation. <see cref="Timeout.InfiniteTimeSpan"/> waits for ever.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative (other than infinite).</exception>
    public TimeSpan StopTimeout
    {
        get => _stopTimeout;
        set
        {
            if (value < TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
                throw new ArgumentOutOfRangeException(nameof(value), value, "The stop timeout must be zero or positive, or Timeout.InfiniteTimeSpan.");
            _stopTimeout = value;
        }
    }

    /// <summary>Whether Stop has been requested (or the scope has closed). Any thread.</summary>
    public bool IsStopRequested => Volatile.Read(ref _state) != Open;

    /// <summary>Whether every caller's task has ended. Any thread.</summary>
    public bool IsClosed => _closed.IsSet;

    /// <summary>A failure of the host itself, once closed; null normally.</summary>
    public Exception? Failure => _closed.IsSet ? _failure : null;

    /// <summary>The root manager. Loop thread only, once <see cref="RunAsync"/> has started.</summary>
    public TaskManager Root
    {
        get
        {
            Debug.Assert(EventLoop.Current == _loop && _root is not null, "The root manager belongs to the running loop.");
            return _root!;
        }
    }

    /// <summary>
    /// The scope's life on the loop: creates the root manager (synchronously, before returning), then waits for
    /// <see cref="RequestStop"/> and shuts down. Call on the loop thread; it runs under the loop's root context, so
    /// it belongs to no child.
    /// </summary>
    /// <returns>A task that completes once the scope has closed.</returns>
    public Task RunAsync()
    {
        Debug.Assert(EventLoop.Current == _loop, "A host scope starts on its loop's thread.");
        var callerContext = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(_loop.RootContext);
        try
        {
            // Under the root context, the root manager nests under no child: the host's work belongs to the host.
            _root = new TaskManager(_loop) { ForgetsEndedChildren = true };
            _loop.AddRunEnding(_onRunEnding);
            return WaitForStopThenShutDownAsync();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(callerContext);
        }
    }

#pragma warning disable VSTHRD200 // Named after ILoopHost.Submit, which it implements.
    /// <summary>Queues <paramref name="work"/> for the loop, cancelled when <paramref name="cancellationToken"/> fires. Any thread.</summary>
    public Task<T> Submit<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<T>(cancellationToken);
        if (IsStopRequested || Volatile.Read(ref _root) is not { } root) return Task.FromException<T>(Disposed());
        var submission = new Submission<T>(this, root, work, cancellationToken);
        Accept(submission);
        return submission.Outcome;
    }

    /// <summary>Queues <paramref name="work"/> for the loop, cancelled when <paramref name="cancellationToken"/> fires. Any thread.</summary>
    public Task Submit(Func<CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled(cancellationToken);
        if (IsStopRequested || Volatile.Read(ref _root) is not { } root) return Task.FromException(Disposed());
        var submission = new VoidSubmission(this, root, work, cancellationToken);
        Accept(submission);
        return submission.Outcome;
    }
#pragma warning restore VSTHRD200

    /// <summary>Moves the scope to Stopping and wakes its lifetime task. Any thread; idempotent.</summary>
    /// <returns>Whether this call made the request.</returns>
    public bool RequestStop()
    {
        if (Interlocked.CompareExchange(ref _state, Stopping, Open) != Open) return false;
        _stopRequested.TrySetResult();
        return true;
    }

    /// <summary>Blocks until the scope has closed or <paramref name="timeout"/> has passed.</summary>
    public bool WaitClosed(TimeSpan timeout) => _closed.Wait(timeout);

    /// <summary>Forgets a submission whose caller's task is about to end. Loop thread only.</summary>
    public void Forget(Submission submission)
    {
        if (submission.PreviousAdmitted is { } previous) previous.NextAdmitted = submission.NextAdmitted;
        else if (_admitted == submission) _admitted = submission.NextAdmitted;
        else return; // already forgotten (cancelled by Close)
        if (submission.NextAdmitted is { } next) next.PreviousAdmitted = submission.PreviousAdmitted;
        submission.PreviousAdmitted = submission.NextAdmitted = null;
    }

    /// <summary>
    /// Closes the scope for good: refuses everything from now on and cancels every submission whose caller is
    /// still waiting (queued, admitted but never started, or abandoned by the shutdown). Idempotent. Called on the
    /// loop thread, or by the thread that owned the loop once its Run has returned (the admitted list is then no
    /// longer touched by anyone else).
    /// </summary>
    public void Close(Exception? failure)
    {
        if (Interlocked.Exchange(ref _state, Closed) == Closed) return;
        _failure = failure;
        _stopRequested.TrySetResult();
        if (EventLoop.Current == _loop) _loop.RemoveRunEnding(_onRunEnding);
        CancelQueued();
        while (_admitted is { } submission)
        {
            Forget(submission);
            submission.CancelOutcome();
        }
        _closed.Set();
    }

    /// <summary>Hands a new submission to the loop: directly on the loop thread, through the queue elsewhere.</summary>
    private void Accept(Submission submission)
    {
        if (EventLoop.Current == _loop)
        {
            submission.WatchCallerToken();
            Admit(submission);
            return;
        }
        _queue.Enqueue(submission);
        ScheduleDrain();
        // After the drain is on its way: a cancellation by the caller's token is applied after the admission.
        submission.WatchCallerToken();
        // Close may have drained the queue just before this submission arrived: then nobody else will see it.
        if (Volatile.Read(ref _state) == Closed) CancelQueued();
    }

    /// <summary>Posts a drain to the loop unless one is already on its way. Any thread.</summary>
    private void ScheduleDrain()
    {
        // Read first: while a drain is pending, producers share the flag's cache line instead of fighting over it.
        if (Volatile.Read(ref _drainScheduled) == 0 && Interlocked.Exchange(ref _drainScheduled, 1) == 0)
            _loop.Post(new WorkItem(s_drain, this, _loop.RootContext));
    }

    /// <summary>Admits queued submissions, a batch at a time. Loop thread.</summary>
    private void Drain()
    {
        // Reset before dequeuing: a submission enqueued after this point either is dequeued below or finds the
        // flag clear and schedules the next drain itself.
        Interlocked.Exchange(ref _drainScheduled, 0);
        for (var admitted = 0; admitted < DrainBatch && _queue.TryDequeue(out var submission); admitted++) Admit(submission);
        // More waiting: come back on a later turn, after the children just spawned and any due timers.
        if (!_queue.IsEmpty) ScheduleDrain();
    }

    /// <summary>Spawns a submission into the root manager, or cancels it when Stop came first. Loop thread only.</summary>
    private void Admit(Submission submission)
    {
        if (IsStopRequested)
        {
            submission.CancelOutcome();
            return;
        }
        if (!submission.TryAdmit()) return; // its caller's token fired first
        submission.NextAdmitted = _admitted;
        if (_admitted is not null) _admitted.PreviousAdmitted = submission;
        _admitted = submission;
        _root!.AdmitChild(submission);
    }

    /// <summary>Cancels every submission still in the queue. Any thread: each is dequeued by exactly one caller.</summary>
    private void CancelQueued()
    {
        while (_queue.TryDequeue(out var submission)) submission.CancelOutcome();
    }

    private async Task WaitForStopThenShutDownAsync()
    {
        await _stopRequested.Task;
        if (IsClosed) return; // the loop ended under the scope
        var root = _root!;
        root.CancelBy(CancelCause.HostStopping(_loop, _hostName));
        var joined = root.WaitForChildrenAsync();
        var timeout = StopTimeout;
        if (!joined.IsCompleted && timeout != Timeout.InfiniteTimeSpan)
        {
            using var giveUp = new CancellationTokenSource();
            await Task.WhenAny(joined, Task.Delay(timeout, TimeProvider.System, giveUp.Token));
            // Synchronously, on the loop: awaiting CancelAsync would resume from the thread pool, which lets a virtual
            // clock jump ahead before the scope has closed. Cancelling only drops the delay's timer.
#pragma warning disable VSTHRD103
            giveUp.Cancel();
#pragma warning restore VSTHRD103
        }
        else
        {
            await joined;
        }

        Exception? failure = null;
        if (joined.IsCompleted)
        {
            try
            {
                // Every child has ended, so this completes at once; it reports failures the root manager recorded
                // itself (a cancellation callback registered by some work that threw), which belong to no caller.
                await root.DisposeAsync();
            }
            catch (Exception e)
            {
                failure = e;
            }
        }
        Close(failure);
    }

    private ObjectDisposedException Disposed() => new(
        _hostName,
        $"{_hostName} has been stopped and accepts no more work. A stopped host does not restart: create a new one.");
}
