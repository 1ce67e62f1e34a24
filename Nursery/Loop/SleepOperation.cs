namespace Nursery;

/// <summary>
/// One pending <see cref="EventLoop.Sleep(TimeSpan, CancellationToken)"/>: its slot in the timer heap, its link in the
/// list of sleeps pending at its node (so cancelling the node wakes it), and the continuation of the code awaiting it.
/// A sleep with a cancellation token is a <see cref="TokenSleepOperation"/>, so sleeps without one carry no token fields.
/// </summary>
/// <remarks>
/// It completes at a safe point of the loop: in the timer phase when the deadline passes, or when a cancellation reaches
/// it (inside user calls such as <c>ChildTask.Cancel()</c>). Either way the awaiting continuation goes to the back of
/// the run queue, under the awaiting code's context; it never runs inline in the middle of those calls. Loop thread
/// only, except that a continuation registered from another thread is handed to the loop.
/// </remarks>
internal class SleepOperation : ITimerTarget
{
    /// <summary>Runs a continuation from the run queue (its state is the continuation).</summary>
    internal static readonly SendOrPostCallback RunContinuation = static state => ((Action)state!)();

    /// <summary>Registers a continuation that arrived from another thread, on the loop thread.</summary>
    private static readonly SendOrPostCallback s_registerOnLoop = static state =>
    {
        var (op, continuation) = ((SleepOperation, Action))state!;
        op.OnCompleted(continuation);
    };

    /// <summary>Completes the task of a cancelled sleep on its own turn.</summary>
    private static readonly SendOrPostCallback s_cancelTask = static state =>
    {
        var op = (SleepOperation)state!;
        op._task!.TrySetCanceled(op._exception ??= op.CreateException());
    };

    /// <summary>The loop whose heap holds this sleep.</summary>
    protected readonly EventLoop Loop;

    /// <summary>Pending, then Slept, Cancelled or CancelledByToken.</summary>
    private SleepState _state;

    /// <summary>The awaiting code's continuation while pending; null until it awaits.</summary>
    private Action? _continuation;

    /// <summary>The context the continuation resumes under (the awaiting code's).</summary>
    private LoopSynchronizationContext? _resumeIn;

    /// <summary>The task handed out by <see cref="AsTask"/>, if anyone asked for one.</summary>
    private CheckpointTaskSource? _task;

    /// <summary>The exception of a cancelled sleep, made on first use and then given to every await.</summary>
    private OperationCanceledException? _exception;

    public SleepOperation(EventLoop loop, LoopSynchronizationContext node)
    {
        Loop = loop;
        Node = node;
    }

    private enum SleepState : byte
    {
        Pending,
        Slept,
        Cancelled,
        CancelledByToken,
    }

    /// <summary>Position in the loop's timer heap (-1 when not in it). Loop thread only.</summary>
    public int TimerIndex { get; set; } = -1;

    /// <summary>The code that sleeps: the node whose cancellation wakes it.</summary>
    public LoopSynchronizationContext Node { get; }

    /// <summary>Neighbours in <see cref="Node"/>'s list of pending sleeps. Loop thread only.</summary>
    public SleepOperation? Previous, Next;

    /// <summary>Whether the sleep has ended.</summary>
    public bool IsCompleted => _state != SleepState.Pending;

    /// <summary>Whether the sleep ended at its deadline (not cancelled).</summary>
    public bool HasSlept => _state == SleepState.Slept;

    /// <summary>The caller's token, for a <see cref="TokenSleepOperation"/>.</summary>
    protected virtual CancellationToken CallerToken => default;

    /// <summary>A sleep whose caller's token was cancelled before it began: it completes at once, cancelled.</summary>
    public static SleepOperation CancelledBy(EventLoop loop, LoopSynchronizationContext node, CancellationToken token) =>
        new TokenSleepOperation(loop, node, token) { _state = SleepState.CancelledByToken };

    /// <summary>Arms the sleep: into the heap, onto the node's list.</summary>
    public virtual void Start(TimeSpan deadline)
    {
        Loop.Timers.Add(this, deadline);
        Node.Track(this);
        Loop.Trace?.SleepStarted(this, deadline);
    }

    /// <summary>The deadline passed (timer phase of the loop).</summary>
    void ITimerTarget.OnTimer()
    {
        Detach();
        Loop.Trace?.SleepEnded(this, cancelled: false);
        Complete(SleepState.Slept);
    }

    /// <summary>
    /// Cancels the sleep from the loop thread: out of the heap at once (so a virtual clock does not jump to a timer nobody
    /// waits for), and the awaiting code resumes on a later turn with an <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <param name="byToken">The caller's token fired (rather than the node being cancelled or its code ending).</param>
    public void Cancel(bool byToken)
    {
        if (_state != SleepState.Pending) return;
        Detach();
        Loop.Trace?.SleepEnded(this, cancelled: true);
        Complete(byToken ? SleepState.CancelledByToken : SleepState.Cancelled);
    }

    /// <summary>Registers the awaiting code's continuation.</summary>
    public void OnCompleted(Action continuation)
    {
        if (EventLoop.Current != Loop)
        {
            Loop.Post(new WorkItem(s_registerOnLoop, (this, continuation), Loop.RootContext));
            return;
        }
        if (_continuation is not null)
        {
            throw new InvalidOperationException(
                "This sleep is already being awaited: a checkpoint can be awaited by one piece of code at a time. " +
                "Convert it to a Task (AsTask) to wait for it in several places.");
        }
        var resumeIn = SynchronizationContext.Current as LoopSynchronizationContext;
        _resumeIn = resumeIn is not null && resumeIn.Loop == Loop ? resumeIn : Node;
        if (_state == SleepState.Pending) _continuation = continuation;
        else Loop.Enqueue(new WorkItem(RunContinuation, continuation, _resumeIn));
    }

    /// <summary>
    /// The sleep as a task. A sleep that ends at its deadline completes it in the timer phase, where no context is
    /// current (a <c>ConfigureAwait(false)</c> continuation then runs right there, on the loop thread, at that loop time);
    /// a cancelled one completes it on a later turn, like its awaiters.
    /// </summary>
#pragma warning disable VSTHRD200 // Named after Checkpoint.AsTask (ValueTask.AsTask's name).
    public Task AsTask()
#pragma warning restore VSTHRD200
    {
        switch (_state)
        {
            case SleepState.Slept:
                return Task.CompletedTask;
            case SleepState.Pending:
                return (_task ??= new CheckpointTaskSource()).Task;
            default:
                return TaskOutcomes.Canceled(_exception ??= CreateException());
        }
    }

    /// <summary>Ends the await: returns after a full sleep, throws when cancelled.</summary>
    public void GetResult()
    {
        switch (_state)
        {
            case SleepState.Slept:
                return;
            case SleepState.Pending:
                throw new InvalidOperationException(
                    "This sleep has not ended: waiting for it with GetAwaiter().GetResult() or .Wait() would block the loop " +
                    "thread that has to end it (a deadlock). Await it instead.");
            default:
                throw _exception ??= CreateException();
        }
    }

    /// <summary>Takes the sleep out of the heap and off its node's list.</summary>
    protected virtual void Detach()
    {
        Loop.Timers.Remove(this);
        Node.Untrack(this);
    }

    private void Complete(SleepState state)
    {
        _state = state;
        if (_task is { } task)
        {
            if (state == SleepState.Slept) task.TrySetResult();
            else Loop.Enqueue(new WorkItem(s_cancelTask, this, Node)); // not inline in the middle of a Cancel() call
        }
        if (_continuation is not { } continuation) return;
        _continuation = null;
        Loop.Enqueue(new WorkItem(RunContinuation, continuation, _resumeIn!));
    }

    private OperationCanceledException CreateException()
    {
        // TaskCanceledException, as when sleeps were plain tasks: a catch (TaskCanceledException) keeps working.
        if (_state == SleepState.CancelledByToken)
            return new TaskCanceledException("The sleep was cancelled by the CancellationToken passed to EventLoop.Sleep.", null, CallerToken);
        if (Node.IsCancelled) return Node.CancellationException();
        // The node was not cancelled: the code that started the sleep ended and left it behind (a WhenAny loser).
        return new TaskCanceledException("The sleep was cancelled because the code that started it has ended.", null, Node.CancelledToken);
    }
}
