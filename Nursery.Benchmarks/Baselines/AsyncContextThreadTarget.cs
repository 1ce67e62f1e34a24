using Nito.AsyncEx;

namespace Nursery.Benchmarks.Baselines;

/// <summary>
/// Nito.AsyncEx's real <see cref="AsyncContextThread"/> (package Nito.AsyncEx.Context): work goes in through the
/// thread's task factory, as its documentation shows (<c>thread.Factory.Run(...)</c>: a Task per item plus the unwrap).
/// </summary>
public sealed class AsyncContextThreadTarget : ISubmitTarget
{
    private readonly AsyncContextThread _thread = new();

    public Task<T> Submit<T>(Func<CancellationToken, Task<T>> work) => _thread.Factory.Run(() => work(CancellationToken.None));

    /// <summary>Lets the queued work finish, then ends the thread (what <c>AsyncContextThread.Dispose</c> does, waited for).</summary>
    public void Dispose()
    {
        _thread.JoinAsync().GetAwaiter().GetResult();
        _thread.Dispose();
    }
}
