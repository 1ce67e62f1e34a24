// PLACEHOLDER (issue 4): LoopThread is being written on another branch (hosting). Once it is merged, define
// NURSERY_HOSTING in Nursery.Benchmarks.csproj (or delete the #if) and the submit benchmark gains its
// "LoopThread.Submit" rows; until then this file compiles to nothing. Written against the API contract, section 3 (loop hosts).
#if NURSERY_HOSTING
namespace Nursery.Benchmarks.Baselines;

/// <summary>The real host: <see cref="LoopThread.Submit{T}"/> from any thread onto its loop.</summary>
public sealed class LoopThreadTarget : ISubmitTarget
{
    private readonly LoopThread _host = new();

    public LoopThreadTarget() => _host.EnsureRunning();

    public Task<T> Submit<T>(Func<CancellationToken, Task<T>> work) => _host.Submit(work);

    public void Dispose() => _host.Dispose();
}
#endif
