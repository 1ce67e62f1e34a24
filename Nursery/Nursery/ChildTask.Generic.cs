namespace Nursery;

/// <summary>A child that produces a value of type <typeparamref name="T"/>.</summary>
/// <typeparam name="T">The type of the child's result.</typeparam>
public sealed class ChildTask<T> : ChildTask
{
    /// <summary>The body's result once <see cref="ChildTaskStatus.Completed"/>. Written before the status.</summary>
    private T _result = default!;

    internal ChildTask(TaskManager manager, int id, Func<CancellationToken, Task<T>> body)
        : base(manager, id, body)
    {
    }

    internal ChildTask(TaskManager manager, int id, Func<Task<T>> body)
        : base(manager, id, body)
    {
    }

    /// <summary>The child's result.</summary>
    /// <exception cref="InvalidOperationException">The child has not <see cref="ChildTaskStatus.Completed"/> (it is still scheduled or running, or it faulted or was cancelled).</exception>
    public T Result => Status == ChildTaskStatus.Completed
        ? _result
        : throw new InvalidOperationException(
            $"Child #{Id} has no result: its status is {Status}. A result exists only once the child has Completed; " +
            "join it first (await child.Completion, or the end of its TaskManager's 'await using' block).");

    /// <summary>
    /// A task that ends when the child ends: with the child's result, with its own exception object when it
    /// faulted, or cancelled when it was cancelled.
    /// </summary>
    public new Task<T> Completion => (Task<T>)base.Completion;

    /// <inheritdoc />
    internal override object? BoxedResult => _result;

    /// <inheritdoc />
    private protected override Task InvokeBodyAsync(object body) => body switch
    {
        Func<CancellationToken, Task<T>> withToken => withToken(Token),
        _ => ((Func<Task<T>>)body)(),
    };

    /// <inheritdoc />
#pragma warning disable VSTHRD002 // The task has completed successfully: reading its result does not block.
    private protected override void StoreResult(Task completed) => _result = ((Task<T>)completed).Result;
#pragma warning restore VSTHRD002

    /// <inheritdoc />
    private protected override object CreateCompletionSource() => new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <inheritdoc />
#pragma warning disable VSTHRD200 // Returns an existing task; it is not an asynchronous operation itself.
    private protected override Task TaskOf(object source) => ((TaskCompletionSource<T>)source).Task;

    /// <inheritdoc />
#pragma warning restore VSTHRD200
    private protected override void CompleteSource(object source)
    {
        var tcs = (TaskCompletionSource<T>)source;
        switch (Status)
        {
            case ChildTaskStatus.Completed:
                tcs.TrySetResult(_result);
                break;
            case ChildTaskStatus.Cancelled:
                tcs.TrySetCanceled(CancelledToken);
                break;
            default:
                if (tcs.TrySetException(Exception!)) MarkObserved(tcs.Task);
                break;
        }
    }
}
