using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Nursery;

// Bounded nurseries (TaskManagerOptions.MaxConcurrency): at most k children hold a slot; the others wait FIFO, still
// Scheduled, and take a slot as one frees. SpawnAsync is the producer's side: it returns once its child holds a slot.
public sealed partial class TaskManager : IWaitSource
{
    /// <summary>Children holding a slot (counted only under a limit). Loop thread only.</summary>
    private int _running;

    /// <summary>Children due to start and waiting for a slot, FIFO. Ended children are skipped when reached. Loop thread only.</summary>
    private Queue<ChildTask>? _waiting;

    /// <summary>
    /// The SpawnAsync calls waiting for their child's slot, by child. Kept here rather than on each child: there are
    /// only as many as producers waiting, and a child should not grow for it. Loop thread only.
    /// </summary>
    private Dictionary<ChildTask, ISlotClaim>? _slotClaims;

    /// <summary>How this manager runs its children: the limit, the failure policy, the name.</summary>
    public TaskManagerOptions Options { get; }

    /// <summary>Children holding a slot now (under a limit; 0 without one).</summary>
    internal int RunningCount => _running;

    /// <summary>
    /// Spawns <paramref name="body"/> as a child and returns once the child holds a slot (see
    /// <see cref="TaskManagerOptions.MaxConcurrency"/>): backpressure, so a producer cannot queue unbounded work. Without
    /// a limit it returns at once, like <see cref="Spawn(Func{CancellationToken, Task})"/>.
    /// </summary>
    /// <remarks>
    /// It is a cancellation checkpoint for the code calling it: cancelled code spawns nothing, and when that code is
    /// cancelled while it waits (or <paramref name="body"/>'s manager is), the child it was spawning is cancelled before
    /// it ever ran and SpawnAsync throws <see cref="OperationCanceledException"/>. While it waits, the child is listed in
    /// <see cref="Children"/> as <see cref="ChildTaskStatus.Scheduled"/>, in the FIFO queue with every other child
    /// waiting for a slot. It suspends only when it has to wait.
    /// </remarks>
    /// <param name="body">The child's code.</param>
    /// <returns>The child, once it holds a slot (it starts on a later turn of the loop).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The manager has finished joining, or this is not the loop's thread.</exception>
    /// <exception cref="OperationCanceledException">The calling code or the manager was cancelled (the body never runs).</exception>
    public ValueTask<ChildTask> SpawnAsync(Func<CancellationToken, Task> body)
    {
        Validate(body, TimeSpan.Zero);
        if (RefusalToSpawn() is { } refused) return ValueTask.FromException<ChildTask>(refused);
        return WaitForSlotAsync<ChildTask>(Admit(new ChildTask(this, _loop.NextId(), body), delay: null));
    }

    /// <summary>
    /// Spawns <paramref name="body"/> as a child and returns once the child holds a slot. See
    /// <see cref="SpawnAsync(Func{CancellationToken, Task})"/>.
    /// </summary>
    /// <typeparam name="T">The child's result type.</typeparam>
    /// <param name="body">The child's code.</param>
    /// <returns>The child, once it holds a slot; its result is also kept in <see cref="Values"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The manager has finished joining, or this is not the loop's thread.</exception>
    /// <exception cref="OperationCanceledException">The calling code or the manager was cancelled (the body never runs).</exception>
    public ValueTask<ChildTask<T>> SpawnAsync<T>(Func<CancellationToken, Task<T>> body)
    {
        Validate(body, TimeSpan.Zero);
        if (RefusalToSpawn() is { } refused) return ValueTask.FromException<ChildTask<T>>(refused);
        return WaitForSlotAsync(Admit(new ChildTask<T>(this, _loop.NextId(), body), delay: null));
    }

    /// <summary>
    /// Spawns <paramref name="body"/> as a child and returns once the child holds a slot. See
    /// <see cref="SpawnAsync(Func{CancellationToken, Task})"/>.
    /// </summary>
    /// <param name="body">The child's code.</param>
    /// <returns>The child, once it holds a slot.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The manager has finished joining, or this is not the loop's thread.</exception>
    /// <exception cref="OperationCanceledException">The calling code or the manager was cancelled (the body never runs).</exception>
    public ValueTask<ChildTask> SpawnAsync(Func<Task> body)
    {
        Validate(body, TimeSpan.Zero);
        if (RefusalToSpawn() is { } refused) return ValueTask.FromException<ChildTask>(refused);
        return WaitForSlotAsync<ChildTask>(Admit(new ChildTask(this, _loop.NextId(), body), delay: null));
    }

    /// <summary>
    /// Spawns <paramref name="body"/> as a child and returns once the child holds a slot. See
    /// <see cref="SpawnAsync(Func{CancellationToken, Task})"/>.
    /// </summary>
    /// <typeparam name="T">The child's result type.</typeparam>
    /// <param name="body">The child's code.</param>
    /// <returns>The child, once it holds a slot.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The manager has finished joining, or this is not the loop's thread.</exception>
    /// <exception cref="OperationCanceledException">The calling code or the manager was cancelled (the body never runs).</exception>
    public ValueTask<ChildTask<T>> SpawnAsync<T>(Func<Task<T>> body)
    {
        Validate(body, TimeSpan.Zero);
        if (RefusalToSpawn() is { } refused) return ValueTask.FromException<ChildTask<T>>(refused);
        return WaitForSlotAsync(Admit(new ChildTask<T>(this, _loop.NextId(), body), delay: null));
    }

    /// <summary>Spawns a named child once it can hold a slot: like <see cref="SpawnAsync(Func{CancellationToken, Task})"/>, and the name and spawn site appear in <see cref="DumpTree"/> and traces.</summary>
    /// <param name="body">The child's code.</param>
    /// <param name="name">A name for diagnostics (null for none).</param>
    /// <param name="callerFilePath">Filled in by the compiler: the file that spawns the child.</param>
    /// <param name="callerLineNumber">Filled in by the compiler: the line that spawns the child.</param>
    /// <returns>The child, once it holds a slot.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The manager has finished joining, or this is not the loop's thread.</exception>
    /// <exception cref="OperationCanceledException">The calling code or the manager was cancelled (the body never runs).</exception>
    public ValueTask<ChildTask> SpawnAsync(Func<CancellationToken, Task> body, string? name, [CallerFilePath] string callerFilePath = "", [CallerLineNumber] int callerLineNumber = 0)
    {
        Validate(body, TimeSpan.Zero);
        if (RefusalToSpawn() is { } refused) return ValueTask.FromException<ChildTask>(refused);
        var child = new ChildTask(this, _loop.NextId(), body);
        child.Describe(name, SpawnSite(callerFilePath, callerLineNumber));
        return WaitForSlotAsync(Admit(child, delay: null));
    }

    /// <summary>Spawns a named child once it can hold a slot: like <see cref="SpawnAsync{T}(Func{CancellationToken, Task{T}})"/>, and the name and spawn site appear in <see cref="DumpTree"/> and traces.</summary>
    /// <typeparam name="T">The child's result type.</typeparam>
    /// <param name="body">The child's code.</param>
    /// <param name="name">A name for diagnostics (null for none).</param>
    /// <param name="callerFilePath">Filled in by the compiler: the file that spawns the child.</param>
    /// <param name="callerLineNumber">Filled in by the compiler: the line that spawns the child.</param>
    /// <returns>The child, once it holds a slot.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The manager has finished joining, or this is not the loop's thread.</exception>
    /// <exception cref="OperationCanceledException">The calling code or the manager was cancelled (the body never runs).</exception>
    public ValueTask<ChildTask<T>> SpawnAsync<T>(Func<CancellationToken, Task<T>> body, string? name, [CallerFilePath] string callerFilePath = "", [CallerLineNumber] int callerLineNumber = 0)
    {
        Validate(body, TimeSpan.Zero);
        if (RefusalToSpawn() is { } refused) return ValueTask.FromException<ChildTask<T>>(refused);
        var child = new ChildTask<T>(this, _loop.NextId(), body);
        child.Describe(name, SpawnSite(callerFilePath, callerLineNumber));
        return WaitForSlotAsync(Admit(child, delay: null));
    }

    /// <summary>
    /// A child is due to start (spawned, its Schedule delay passed, or starting through StartAsync): onto the run queue,
    /// or, when every slot is taken, to the back of the FIFO of children waiting for one.
    /// </summary>
    internal void StartOrWait(ChildTask child)
    {
        if (Options.MaxConcurrency == int.MaxValue)
        {
            child.EnqueueStart();
            return;
        }
        // Invariant: while a slot is free no live child waits (a freed slot is handed on at once), so taking a free
        // slot here never overtakes a waiting child.
        if (_running < Options.MaxConcurrency)
        {
            TakeSlot(child);
            return;
        }
        child.Slot = ChildSlot.Waiting;
        (_waiting ??= new Queue<ChildTask>()).Enqueue(child);
    }

    /// <summary>The child ended: a slot it held goes to the child that has waited longest.</summary>
    private void ReleaseSlot(ChildTask child)
    {
        switch (child.Slot)
        {
            case ChildSlot.Holding:
                child.Slot = ChildSlot.None;
                _running--;
                PromoteWaiting();
                break;
            case ChildSlot.Waiting:
                // Cancelled while it waited: its body never runs. It stays in the queue and is skipped when reached.
                child.Slot = ChildSlot.None;
                if (TakeClaim(child) is { } claim) claim.EndedWaiting();
                break;
        }
    }

    /// <summary>Hands free slots to waiting children, oldest first.</summary>
    private void PromoteWaiting()
    {
        while (_running < Options.MaxConcurrency && _waiting is { Count: > 0 } waiting)
        {
            var next = waiting.Dequeue();
            if (next.Slot == ChildSlot.Waiting) TakeSlot(next);
        }
    }

    /// <summary>The child holds a slot from now until it ends; it starts on a later turn.</summary>
    private void TakeSlot(ChildTask child)
    {
        _running++;
        Debug.Assert(_running <= Options.MaxConcurrency, "No more children hold a slot than the limit allows.");
        child.Slot = ChildSlot.Holding;
        child.EnqueueStart();
        if (TakeClaim(child) is { } claim) claim.Granted();
    }

    /// <summary>Takes the SpawnAsync waiting for <paramref name="child"/>'s slot, if there is one.</summary>
    internal ISlotClaim? TakeClaim(ChildTask child) =>
        _slotClaims is { Count: > 0 } claims && claims.Remove(child, out var claim) ? claim : null;

    /// <summary>Why a SpawnAsync spawns nothing: the calling code or the manager has been cancelled; null when it may go on.</summary>
    private OperationCanceledException? RefusalToSpawn()
    {
        var node = LoopSynchronizationContext.CurrentOrRoot(_loop);
        if (node.IsCancelled) return node.CancellationException();
        if (IsCancellationRequested)
            return new OperationCanceledException($"{Subject} has been cancelled, so SpawnAsync does not spawn a child in it. {_cancelCause?.Message}", Token);
        return null;
    }

    /// <summary>Returns the child at once if it holds a slot; otherwise a wait that ends when it does.</summary>
    private ValueTask<TChild> WaitForSlotAsync<TChild>(TChild child)
        where TChild : ChildTask
    {
        if (child.Slot != ChildSlot.Waiting) return new ValueTask<TChild>(child);
        var waiter = new SpawnWaiter<TChild>(this, LoopSynchronizationContext.CurrentOrRoot(_loop), child);
        (_slotClaims ??= new Dictionary<ChildTask, ISlotClaim>(ReferenceEqualityComparer.Instance))[child] = waiter;
        waiter.Begin(CancellationToken.None);
        return waiter.Task;
    }

    /// <summary>How many due children wait for a slot (ended ones excluded).</summary>
    internal int WaitingCount => _waiting?.Count(c => c.Slot == ChildSlot.Waiting) ?? 0;

    /// <inheritdoc />
    string IWaitSource.DescribeWait(LoopWait wait)
    {
        var child = wait is ISlotClaim claim ? claim.Child.Label : "?";
        return string.Create(CultureInfo.InvariantCulture,
            $"waiting in SpawnAsync until child {child} gets a slot in {Subject} ({_running} of {Options.MaxConcurrency} running)");
    }
}
