namespace Nursery.Benchmarks.Baselines;

/// <summary>
/// Nursery's own cross-thread path without a host: an <see cref="EventLoop"/> driven on a dedicated thread, with
/// work posted through its root synchronization context (the loop's inbox). This is the layer LoopThread.Submit is
/// built on, so it bounds what the host can reach; the host adds its own bookkeeping on top.
/// </summary>
public sealed class NurseryInboxTarget : ISubmitTarget
{
    private readonly EventLoop _loop = new();
    private readonly TaskCompletionSource _stop = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _thread;

    public NurseryInboxTarget()
    {
        using var started = new ManualResetEventSlim();
        _thread = new Thread(() => _loop.Run(() =>
        {
            started.Set();
            return _stop.Task;
        }))
        { IsBackground = true, Name = "nursery-inbox-loop" };
        _thread.Start();
        started.Wait();
    }

    public Task<T> Submit<T>(Func<CancellationToken, Task<T>> work)
    {
        var item = new SubmitItem<T>(work);
        _loop.RootContext.Post(SubmitItem<T>.Execute, item);
        return item.Task;
    }

    public void Dispose()
    {
        _stop.TrySetResult();
        _thread.Join();
        _loop.Dispose();
    }
}
