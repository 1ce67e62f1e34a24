namespace Nursery;

/// <summary>How the blocking entry points (Dispatcher.Execute, SharedLoop.Await) wait for work running on a loop.</summary>
internal static class HostBlocking
{
    /// <summary>
    /// Blocks until <paramref name="task"/> has ended and returns its result, or rethrows its exception as the same
    /// object with its stack trace (several exceptions: the <see cref="AggregateException"/>, so none is dropped).
    /// </summary>
    /// <remarks>Callers refuse to run on the loop the task needs (see <see cref="HostErrors.ThrowIfOnLoop"/>) before calling this.</remarks>
    public static T Wait<T>(Task<T> task)
    {
#pragma warning disable VSTHRD002 // This is the library's blocking entry point for synchronous callers, off the loop.
        ((Task)task).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing).GetAwaiter().GetResult();
        if (task.IsFaulted && task.Exception!.InnerExceptions.Count > 1) throw task.Exception;
        return task.GetAwaiter().GetResult();
#pragma warning restore VSTHRD002
    }
}
