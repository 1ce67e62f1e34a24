namespace Nursery.Tests.Support;

/// <summary>
/// An event loop owned by "someone else" — running <see cref="EventLoop.Run(Func{Task})"/> on a thread of its own —
/// with a <see cref="CurrentLoopHost"/> created on it, which tests then use from other threads (the plugin scenario).
/// </summary>
public sealed class BorrowedLoop : IDisposable
{
    private readonly TaskCompletionSource _end = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _thread;
    private Exception? _failure;

    public BorrowedLoop(LoopClock? clock = null, TimeSpan? stopTimeout = null)
    {
        Loop = new EventLoop(clock ?? new SystemClock());
        using var ready = new ManualResetEventSlim();
        _thread = new Thread(() =>
        {
            try
            {
                Loop.Run(async () =>
                {
                    Host = stopTimeout is { } t ? new CurrentLoopHost { StopTimeout = t } : new CurrentLoopHost();
                    ready.Set();
                    await _end.Task;
                });
            }
            catch (Exception e) { _failure = e; ready.Set(); }
        }) { IsBackground = true, Name = "borrowed loop owner" };
        _thread.UnsafeStart();
        Assert.True(ready.Wait(Blocking.Patience), "The borrowed loop did not start.");
        if (_failure is not null) throw _failure;
    }

    public EventLoop Loop { get; }

    public CurrentLoopHost Host { get; private set; } = null!;

    /// <summary>The owner returns from Run (the host itself is not stopped first).</summary>
    public void EndRun()
    {
        _end.TrySetResult();
        Assert.True(_thread.Join(Blocking.Patience), "The borrowed loop's Run did not return.");
        if (_failure is not null) throw _failure;
    }

    public void Dispose()
    {
        if (_thread.IsAlive) EndRun();
        Loop.Dispose();
    }
}
