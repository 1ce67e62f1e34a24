using System.Runtime.CompilerServices;

namespace Nursery;

/// <summary>
/// The <see cref="Task"/> behind <see cref="Checkpoint.AsTask"/>. Unlike a <see cref="TaskCompletionSource"/>, its
/// cancellation keeps the <see cref="OperationCanceledException"/> it is given, so the message that names the cause
/// reaches whoever awaits the task: the async method builder, used here on its own, turns an
/// <see cref="OperationCanceledException"/> into a cancelled task that carries that very exception. Loop thread only.
/// </summary>
internal sealed class CheckpointTaskSource
{
    /// <summary>Completes <see cref="Task"/> on its turn: cancelled if the node it belongs to has been cancelled (a yield).</summary>
    internal static readonly SendOrPostCallback CompleteYield = static state =>
    {
        var source = (CheckpointTaskSource)state!;
        if (source._node is { IsCancelled: true } node) source.TrySetCanceled(node.CancellationException());
        else source.TrySetResult();
    };

    /// <summary>The builder that owns the task. A mutable struct: only ever used through this field.</summary>
    private AsyncTaskMethodBuilder _builder = AsyncTaskMethodBuilder.Create();

    /// <summary>For a yield: the node whose cancellation the task reports.</summary>
    private readonly LoopSynchronizationContext? _node;

    /// <summary>Set once the task has been completed.</summary>
    private bool _completed;

    public CheckpointTaskSource(LoopSynchronizationContext? node = null)
    {
        _node = node;
        Task = _builder.Task;
    }

    /// <summary>The task.</summary>
    public Task Task { get; }

    /// <summary>Completes the task successfully, unless it has completed already.</summary>
    public void TrySetResult()
    {
        if (_completed) return;
        _completed = true;
        _builder.SetResult();
    }

    /// <summary>Cancels the task with <paramref name="cancellation"/>, unless it has completed already.</summary>
    public void TrySetCanceled(OperationCanceledException cancellation)
    {
        if (_completed) return;
        _completed = true;
        _builder.SetException(cancellation);
    }
}
