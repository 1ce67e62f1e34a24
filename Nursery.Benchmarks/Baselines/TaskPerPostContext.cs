using System.Collections.Concurrent;

namespace Nursery.Benchmarks.Baselines;

/// <summary>
/// A Nito.AsyncEx-style single-threaded context: every post is wrapped in a <see cref="Task"/> that goes through a
/// <see cref="TaskScheduler"/> into a <see cref="BlockingCollection{T}"/>, and the loop thread executes the tasks
/// in order. Written from the description of AsyncContext (not copied); the real one (package Nito.AsyncEx.Context)
/// runs beside it as its own peer, so the two can be told apart.
/// </summary>
/// <remarks>Single use, like <c>AsyncContext.Run</c>: <see cref="Run{T}"/> completes the queue when main ends.</remarks>
public sealed class TaskPerPostContext : SynchronizationContext, IDisposable
{
    /// <summary>Tasks waiting for the loop thread.</summary>
    private readonly BlockingCollection<Task> _queue = [];

    /// <summary>Queues tasks into <see cref="_queue"/> and runs them when the loop takes them out.</summary>
    private readonly QueueScheduler _scheduler;

    public TaskPerPostContext()
    {
        _scheduler = new QueueScheduler(this);
        Factory = new TaskFactory(CancellationToken.None, TaskCreationOptions.HideScheduler, TaskContinuationOptions.HideScheduler, _scheduler);
    }

    /// <summary>Starts tasks on the loop thread (what <c>AsyncContextThread.Factory</c> offers).</summary>
    public TaskFactory Factory { get; }

    /// <summary>Runs <paramref name="main"/> under this context on the calling thread until its task completes.</summary>
    public T Run<T>(Func<Task<T>> main)
    {
        var previous = Current;
        SetSynchronizationContext(this);
        try
        {
            var task = Factory.StartNew(main).Unwrap();
            _ = task.ContinueWith(_ => _queue.CompleteAdding(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            foreach (var queued in _queue.GetConsumingEnumerable()) _scheduler.Execute(queued);
            return task.GetAwaiter().GetResult();
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }

    /// <summary>The defining cost of this design: a new Task (and closure) for every continuation.</summary>
    public override void Post(SendOrPostCallback d, object? state) => _ = Factory.StartNew(() => d(state));

    /// <inheritdoc />
    public override SynchronizationContext CreateCopy() => this;

    public void Dispose() => _queue.Dispose();

    private sealed class QueueScheduler(TaskPerPostContext context) : TaskScheduler
    {
        public override int MaximumConcurrencyLevel => 1;

        public void Execute(Task task) => TryExecuteTask(task);

        protected override void QueueTask(Task task) => context._queue.Add(task);

        protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
            SynchronizationContext.Current == context && TryExecuteTask(task);

        protected override IEnumerable<Task> GetScheduledTasks() => context._queue;
    }
}
