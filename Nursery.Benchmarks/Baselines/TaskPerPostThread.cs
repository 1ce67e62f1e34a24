namespace Nursery.Benchmarks.Baselines;

/// <summary>
/// A <see cref="TaskPerPostContext"/> on a dedicated thread, like Nito.AsyncEx's <c>AsyncContextThread</c>:
/// work is submitted through the context's task factory (one Task per item, plus the unwrap).
/// </summary>
public sealed class TaskPerPostThread : ISubmitTarget
{
    private readonly TaskPerPostContext _context = new();
    private readonly TaskCompletionSource<int> _stop = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _thread;

    public TaskPerPostThread()
    {
        _thread = new Thread(() => _context.Run(() => _stop.Task)) { IsBackground = true, Name = "task-per-post-loop" };
        _thread.Start();
    }

    public Task<T> Submit<T>(Func<CancellationToken, Task<T>> work) =>
        _context.Factory.StartNew(() => work(CancellationToken.None)).Unwrap();

    public void Dispose()
    {
        _stop.TrySetResult(0);
        _thread.Join();
        _context.Dispose();
    }
}
