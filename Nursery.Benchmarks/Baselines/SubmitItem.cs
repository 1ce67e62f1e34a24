namespace Nursery.Benchmarks.Baselines;

/// <summary>
/// One submitted work item and the promise its submitter holds: a single allocation (plus its task) per item, the
/// least any submit path can get away with. Shared by the bare queue and the raw Nursery inbox targets.
/// </summary>
internal sealed class SubmitItem<T>(Func<CancellationToken, Task<T>> work) : TaskCompletionSource<T>
{
    /// <summary>Cached, so queueing an item allocates nothing more.</summary>
    public static readonly SendOrPostCallback Execute = static state => ((SubmitItem<T>)state!).Run();

    private void Run()
    {
        Task<T> task;
        try
        {
            task = work(CancellationToken.None);
        }
        catch (Exception e)
        {
            TrySetException(e);
            return;
        }
        if (task.IsCompleted) TrySetFromTask(task);
        else _ = task.ContinueWith(static (t, s) => ((SubmitItem<T>)s!).TrySetFromTask(t), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
