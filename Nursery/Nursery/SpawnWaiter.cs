namespace Nursery;

/// <summary>
/// The wait of one <see cref="TaskManager.SpawnAsync(Func{CancellationToken, Task})"/> whose child is queued for a slot:
/// it ends with the child once the child holds a slot. If the spawning code is cancelled first (or its token fires),
/// the child is cancelled too: it never ran, and nobody else holds its handle.
/// </summary>
/// <typeparam name="TChild">The handle type SpawnAsync returns.</typeparam>
internal sealed class SpawnWaiter<TChild> : LoopWaiter<TChild>, ISlotClaim
    where TChild : ChildTask
{
    private readonly TChild _child;

    public SpawnWaiter(TaskManager manager, LoopSynchronizationContext node, TChild child)
        : base(manager.Loop, node, manager)
    {
        _child = child;
    }

    /// <summary>The child this SpawnAsync is spawning.</summary>
    public ChildTask Child => _child;

    /// <inheritdoc />
    public void Granted() => TrySetResult(_child);

    /// <inheritdoc />
    public void EndedWaiting()
    {
        var cause = _child.Context.Cause?.Message ?? "it was cancelled";
        TrySetException(new OperationCanceledException(
            $"SpawnAsync did not start child {_child.Label}: {cause}. Its body never ran.", _child.Manager.Token));
    }

    /// <inheritdoc />
    protected override void OnWaitCancelled()
    {
        _child.Manager.TakeClaim(_child);
        _child.CancelOwn();
    }
}
