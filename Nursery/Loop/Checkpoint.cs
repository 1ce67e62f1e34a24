using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace Nursery;

/// <summary>
/// What <see cref="EventLoop.Sleep(TimeSpan)"/> and <see cref="EventLoop.Yield"/> return: a cancellation checkpoint to
/// <c>await</c>. Awaiting it costs no allocation for a yield and one small object for a sleep (no
/// <see cref="TaskCompletionSource"/>, no continuation object: its awaiter is the runtime's
/// <see cref="ValueTaskAwaiter"/>, which async methods await without allocating).
/// </summary>
/// <remarks>
/// <para>
/// Where a <see cref="Task"/> is needed (<c>Task.WhenAny(EventLoop.Sleep(d), other)</c>, a <c>Func&lt;Task&gt;</c> such as
/// <c>tm.Spawn(() =&gt; EventLoop.Sleep(d))</c>), a checkpoint converts to one implicitly (<see cref="AsTask"/>). Its
/// cancellation is a <see cref="OperationCanceledException"/> whose message names the cause.
/// </para>
/// <para>
/// A checkpoint may be awaited more than once: a sleep that has ended gives the same outcome again, and awaiting a yield
/// again yields again; a second await of a sleep that is still being awaited throws
/// <see cref="InvalidOperationException"/> (on its next turn; the first await is unaffected).
/// Blocking on an unfinished checkpoint with <c>GetAwaiter().GetResult()</c> on the loop thread would deadlock the loop,
/// so it throws <see cref="InvalidOperationException"/> instead. A <c>default</c> checkpoint is already complete.
/// </para>
/// </remarks>
public readonly struct Checkpoint
{
    /// <summary>A sleep (<see cref="SleepOperation"/>), the node a yield belongs to (a context), or null (complete).</summary>
    private readonly IValueTaskSource? _source;

    internal Checkpoint(IValueTaskSource source) => _source = source;

    /// <summary>Converts the checkpoint to a task (for <c>Task.WhenAny</c>, a <c>Func&lt;Task&gt;</c>, storing it).</summary>
    /// <param name="checkpoint">The checkpoint.</param>
#pragma warning disable VSTHRD200 // The standard name of the conversion (ValueTask.AsTask).
    public static implicit operator Task(Checkpoint checkpoint) => checkpoint.AsTask();

    /// <summary>Whether the checkpoint has completed: a sleep that ended (slept or cancelled). A yield completes only by being awaited.</summary>
    public bool IsCompleted => _source is null || _source.GetStatus(0) != ValueTaskSourceStatus.Pending;

    /// <summary>Whether the checkpoint completed without being cancelled (a sleep that slept its full delay).</summary>
    public bool IsCompletedSuccessfully => _source is null || _source.GetStatus(0) == ValueTaskSourceStatus.Succeeded;

    /// <summary>Whether the checkpoint ended cancelled (a sleep cut short by a cancellation).</summary>
    public bool IsCanceled => _source is not null && _source.GetStatus(0) == ValueTaskSourceStatus.Canceled;

    /// <summary>
    /// The checkpoint as a configured task awaitable. <c>ConfigureAwait(false)</c> resumes off the loop, where the code's
    /// next checkpoint throws: inside loop code, plain <c>await</c> is almost always what is meant.
    /// </summary>
    /// <param name="continueOnCapturedContext">Whether to resume on the loop (the captured context).</param>
    /// <returns>An awaitable for <see cref="AsTask"/>.</returns>
    public ConfiguredTaskAwaitable ConfigureAwait(bool continueOnCapturedContext) => AsTask().ConfigureAwait(continueOnCapturedContext);

    /// <summary>
    /// Gets the awaiter; <c>await</c> calls this. Its <c>GetResult()</c> returns, or throws the checkpoint's
    /// <see cref="OperationCanceledException"/> (its message names why), or <see cref="InvalidOperationException"/> for a
    /// sleep that has not ended (blocking on it on the loop thread would deadlock).
    /// </summary>
    /// <returns>The awaiter.</returns>
    public ValueTaskAwaiter GetAwaiter() => (_source is null ? default : new ValueTask(_source, 0)).GetAwaiter();

    /// <summary>
    /// A task that completes with the checkpoint: successfully, or cancelled with the checkpoint's
    /// <see cref="OperationCanceledException"/>. A sleep hands out one task however often it is asked; each call on a
    /// yield makes a new one (each yields once).
    /// </summary>
    /// <returns>The task.</returns>
    public Task AsTask()
    {
        switch (_source)
        {
            case null:
                return Task.CompletedTask;
            case SleepOperation sleep:
                return sleep.AsTask();
            default:
                // A yield: completed by a work item at the back of the queue, under the calling code's context.
                var node = (LoopSynchronizationContext)_source;
                var source = new CheckpointTaskSource(node);
                var resumeIn = SynchronizationContext.Current as LoopSynchronizationContext;
                node.Loop.Post(new WorkItem(CheckpointTaskSource.CompleteYield, source, resumeIn is not null && resumeIn.Loop == node.Loop ? resumeIn : node));
                return source.Task;
        }
    }
#pragma warning restore VSTHRD200
}
