namespace Nursery.Benchmarks.Baselines;

/// <summary>A loop running on its own thread that accepts work from any thread: what the submit benchmark compares.</summary>
public interface ISubmitTarget : IDisposable
{
    /// <summary>Runs <paramref name="work"/> on the loop thread; the task ends with its result. Thread-safe, non-blocking.</summary>
    Task<T> Submit<T>(Func<CancellationToken, Task<T>> work);
}
