namespace Nursery;

/// <summary>
/// A <see cref="TaskScheduler"/> that runs tasks on the loop thread, in FIFO order with everything else the
/// loop runs. Exposed as <see cref="EventLoop.TaskScheduler"/> for <c>Task.Factory.StartNew</c> and
/// <c>ContinueWith</c>; plain <c>await</c> does not need it (the synchronization context handles that).
/// </summary>
internal sealed class LoopTaskScheduler : TaskScheduler
{
    /// <summary>The loop that runs the tasks.</summary>
    private readonly EventLoop _loop;

    /// <summary>Cached so queueing a task allocates nothing beyond the task itself.</summary>
    private readonly SendOrPostCallback _execute;

    public LoopTaskScheduler(EventLoop loop)
    {
        _loop = loop;
        _execute = state => TryExecuteTask((Task)state!);
    }

    /// <inheritdoc />
    public override int MaximumConcurrencyLevel => 1;

    /// <inheritdoc />
    protected override void QueueTask(Task task)
    {
        // Queued work that never ran would leave the task pending forever: refuse it while the loop is not running.
        if (!_loop.IsRunning)
        {
            throw new InvalidOperationException(
                "loop.TaskScheduler runs tasks only while its event loop is running (inside EventLoop.Run or on a loop host). " +
                "Start the work from code running on the loop, or submit it through a loop host.");
        }
        var item = new WorkItem(_execute, task, _loop.RootContext);
        if (_loop.NotesCrossThreadResume) _loop.NoteCrossThreadResume(_loop.RootContext, _execute, task);
        _loop.Post(item);
    }

    /// <summary>Inline only on the loop thread itself; anywhere else the task must wait its turn on the loop.</summary>
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        EventLoop.Current == _loop && TryExecuteTask(task);

    /// <summary>The loop does not keep a separate list of tasks (they are ordinary run-queue items).</summary>
    protected override IEnumerable<Task>? GetScheduledTasks() => null;
}
