using System.Diagnostics;
using System.Threading.Tasks.Sources;

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
internal class SleepOperation : ITimerTarget, IValueTaskSource
{
    /// <summary>Registers a continuation that arrived from another thread, on the loop thread.</summary>
    private static readonly SendOrPostCallback s_registerOnLoop = static state => ((OffLoopAwait)state!).Register();

    /// <summary>Completes the task of a cancelled sleep on its own turn.</summary>
    private static readonly SendOrPostCallback s_cancelTask = static state =>
    {
        var op = (SleepOperation)state!;
        op._extras!.Task!.TrySetCanceled(op.Exception);
    };

    // A million sleeping children hold a million of these: the fields are what every sleep needs, and the rest is in
    // SleepExtras, made on first use.

    /// <summary>Pending, then Slept, Cancelled or CancelledByToken.</summary>
    private SleepState _state;

    /// <summary>Set once a second await arrived while the first was pending (its GetResult then says so).</summary>
    private bool _awaitedTwice;

    /// <summary>Which run-queue callback resumes the awaiting code (see <see cref="CheckpointContinuation.Callback"/>).</summary>
    private bool _resumesBox;

    /// <summary>The state of the item that resumes the awaiting code (its state machine box, usually); null until it awaits.</summary>
    private object? _continuation;

    /// <summary>What few sleeps need (a task, an exception, an unusual context to resume under); null for most.</summary>
    private SleepExtras? _extras;

    public SleepOperation(EventLoop loop, LoopSynchronizationContext node)
    {
        Debug.Assert(node.Loop == loop, "A sleep belongs to the loop of the code that sleeps.");
        Node = node;
    }

    private enum SleepState : byte
    {
        Pending,
        Slept,
        Cancelled,
        CancelledByToken,
    }

    /// <summary>The loop whose heap holds this sleep (its node's: not kept twice).</summary>
    protected EventLoop Loop => Node.Loop;

    /// <summary>Position in the loop's timer heap (-1 when not in it). Loop thread only.</summary>
    public int TimerIndex { get; set; } = -1;

    /// <summary>The code that sleeps: the node whose cancellation wakes it.</summary>
    public LoopSynchronizationContext Node { get; }

    /// <summary>Neighbours in <see cref="Node"/>'s list of pending sleeps. Loop thread only.</summary>
    public SleepOperation? Previous, Next;

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

    /// <summary>Whether the sleep is pending, slept, or was cancelled.</summary>
    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _state switch
    {
        SleepState.Pending => ValueTaskSourceStatus.Pending,
        SleepState.Slept => ValueTaskSourceStatus.Succeeded,
        _ => ValueTaskSourceStatus.Canceled,
    };

    /// <inheritdoc cref="GetResult()" />
    void IValueTaskSource.GetResult(short token) => GetResult();

    /// <summary>Registers the awaiting code's continuation: it resumes on the loop, under the awaiting code's context.</summary>
    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        if (EventLoop.Current != Loop)
        {
            Loop.Post(new WorkItem(s_registerOnLoop, new OffLoopAwait(this, continuation, state, flags), Loop.RootContext));
            return;
        }
        var loop = Loop;
        var resumeIn = LoopSynchronizationContext.CurrentOn(loop) ?? Node;
        if (_continuation is not null)
        {
            // A second await while the first is pending. Throwing here would not reach the awaiting code (the runtime
            // rethrows it on the thread pool, which ends the process): it resumes on the next turn instead, where
            // GetResult throws, and the first await is left as it was.
            _awaitedTwice = true;
            var second = CheckpointContinuation.Prepare(continuation, state, flags, resumeIn, onLoop: true, out var secondState);
            loop.Enqueue(new WorkItem(second, secondState, resumeIn));
            return;
        }
        _continuation = CheckpointContinuation.PrepareState(continuation, state, flags, resumeIn, onLoop: true, out var resumesBox);
        _resumesBox = resumesBox;
        // Almost always the code that made the sleep awaits it: only another context is worth a field.
        if (resumeIn != Node) Extras.ResumeIn = resumeIn;
        else if (_extras is { } extras) extras.ResumeIn = null;
        if (_state != SleepState.Pending) Resume();
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
                return (Extras.Task ??= new CheckpointTaskSource()).Task;
            default:
                return _extras?.Task is { } source ? source.Task : TaskOutcomes.Canceled(Exception);
        }
    }

    /// <summary>Ends the await: returns after a full sleep, throws when cancelled.</summary>
    public void GetResult()
    {
        switch (_state)
        {
            case SleepState.Slept:
                return;
            case SleepState.Pending when _awaitedTwice:
                throw new InvalidOperationException(
                    "This sleep is already being awaited: a checkpoint can be awaited by one piece of code at a time. " +
                    "Convert it to a Task (AsTask) to wait for it in several places.");
            case SleepState.Pending:
                throw new InvalidOperationException(
                    "This sleep has not ended: waiting for it with GetAwaiter().GetResult() or .Wait() would block the loop " +
                    "thread that has to end it (a deadlock). Await it instead.");
            default:
                throw Exception;
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
        if (_extras?.Task is { } task)
        {
            if (state == SleepState.Slept) task.TrySetResult();
            else Loop.Enqueue(new WorkItem(s_cancelTask, this, Node)); // not inline in the middle of a Cancel() call
        }
        if (_continuation is not null) Resume();
    }

    /// <summary>Queues the awaiting code's continuation, once.</summary>
    private void Resume()
    {
        var item = new WorkItem(CheckpointContinuation.Callback(_resumesBox), _continuation, _extras?.ResumeIn ?? Node);
        _continuation = null;
        Loop.Enqueue(item);
    }

    /// <summary>The exception of a cancelled sleep: the same object for every await and for its task.</summary>
    private OperationCanceledException Exception => Extras.Exception ??= CreateException();

    /// <summary>The extras, made on first use.</summary>
    private SleepExtras Extras => _extras ??= new SleepExtras();

    private OperationCanceledException CreateException()
    {
        // TaskCanceledException, as when sleeps were plain tasks: a catch (TaskCanceledException) keeps working.
        if (_state == SleepState.CancelledByToken)
            return new TaskCanceledException("The sleep was cancelled by the CancellationToken passed to EventLoop.Sleep.", null, CallerToken);
        if (Node.IsCancelled) return Node.CancellationException();
        // The node was not cancelled: the code that started the sleep ended and left it behind (a WhenAny loser).
        return new TaskCanceledException("The sleep was cancelled because the code that started it has ended.", null, Node.CancelledToken);
    }

    /// <summary>An await that registered from another thread, carried to the loop thread.</summary>
    private sealed class OffLoopAwait(SleepOperation sleep, Action<object?> continuation, object? state, ValueTaskSourceOnCompletedFlags flags)
    {
        public void Register() => ((IValueTaskSource)sleep).OnCompleted(continuation, state, 0, flags);
    }

    /// <summary>The parts of a sleep that most sleeps never need.</summary>
    private sealed class SleepExtras
    {
        /// <summary>The task handed out by <see cref="AsTask"/>, if anyone asked for one.</summary>
        public CheckpointTaskSource? Task;

        /// <summary>The exception of a cancelled sleep, made on first use and then given to every await and to the task.</summary>
        public OperationCanceledException? Exception;

        /// <summary>The context the awaiting code resumes under, when it is not the sleep's node.</summary>
        public LoopSynchronizationContext? ResumeIn;
    }
}
