using System.Collections.Concurrent;

namespace Nursery.Benchmarks.Baselines;

/// <summary>
/// The floor for cross-thread submission: a <see cref="ConcurrentQueue{T}"/> drained by a dedicated thread that
/// sleeps on a semaphore when the queue is empty. Producers signal only when no wake-up is already pending, so a
/// busy loop costs them one enqueue and one read. Also a <see cref="SynchronizationContext"/>, so awaiting work
/// resumes on the loop like it would on a real loop host.
/// </summary>
public sealed class BareQueueLoop : SynchronizationContext, ISubmitTarget
{
    /// <summary>Callbacks from any thread, in arrival order.</summary>
    private readonly ConcurrentQueue<(SendOrPostCallback Callback, object? State)> _queue = new();

    /// <summary>Released once per wake-up; the loop blocks on it when idle (no spinning beyond SemaphoreSlim's own).</summary>
    private readonly SemaphoreSlim _wake = new(0);

    private readonly Thread _thread;

    /// <summary>1 while a wake-up has been signalled and the loop has not yet started draining after it.</summary>
    private int _wakePending;

    private volatile bool _stopping;

    public BareQueueLoop()
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = "bare-queue-loop" };
        _thread.Start();
    }

    public Task<T> Submit<T>(Func<CancellationToken, Task<T>> work)
    {
        var item = new SubmitItem<T>(work);
        Post(SubmitItem<T>.Execute, item);
        return item.Task;
    }

    public override void Post(SendOrPostCallback d, object? state)
    {
        _queue.Enqueue((d, state));
        if (Volatile.Read(ref _wakePending) == 0 && Interlocked.Exchange(ref _wakePending, 1) == 0) _wake.Release();
    }

    public override SynchronizationContext CreateCopy() => this;

    public void Dispose()
    {
        _stopping = true;
        Post(static _ => { }, null);
        _thread.Join();
        _wake.Dispose();
    }

    private void Loop()
    {
        SetSynchronizationContext(this);
        while (!_stopping)
        {
            _wake.Wait();
            // Cleared before draining: an item enqueued after this point signals again, so none is missed.
            Volatile.Write(ref _wakePending, 0);
            while (_queue.TryDequeue(out var item)) item.Callback(item.State);
        }
    }
}
