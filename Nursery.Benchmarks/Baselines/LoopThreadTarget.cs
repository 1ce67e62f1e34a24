namespace Nursery.Benchmarks.Baselines;

/// <summary>The real host: <see cref="LoopThread.Submit{T}(Func{CancellationToken, Task{T}}, string?)"/> from any thread onto its loop.</summary>
public sealed class LoopThreadTarget : ISubmitTarget
{
    private readonly LoopThread _host = new();

    public LoopThreadTarget() => _host.EnsureRunning();

    public Task<T> Submit<T>(Func<CancellationToken, Task<T>> work) => _host.Submit(work);

    public void Dispose() => _host.Dispose();
}
